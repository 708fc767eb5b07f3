package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// TestStudioCommand starts kioskctl studio, reads the address it prints,
// fetches its first page, and stops it; and checks its refusals.
func TestStudioCommand(t *testing.T) {
	workspace := t.TempDir()
	users := filepath.Join(t.TempDir(), "users")
	hash, err := bcrypt.GenerateFromPassword([]byte("mật khẩu đủ dài"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(users, []byte("lan:"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("refusals", func(t *testing.T) {
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"studio"}, "--workspace"},
			{[]string{"studio", "--workspace", workspace, "--listen", "0.0.0.0:0", "--no-browser"}, "not a loopback address"},
			{[]string{"studio", "--workspace", workspace, "--listen", "0.0.0.0:0", "--users", users, "--no-browser"}, "--insecure-http"},
			{[]string{"studio", "--workspace", workspace, "--listen", "0.0.0.0:0", "--insecure-http", "--no-browser"}, "--users"},
			{[]string{"studio", "--workspace", workspace, "--tls-cert", "x.pem", "--no-browser"}, "both --tls-cert and --tls-key"},
			{[]string{"studio", "--add-user", "lan"}, "--users"},
			{[]string{"studio", "--workspace", workspace, "--users", filepath.Join(t.TempDir(), "none"), "--no-browser"}, "users file"},
		} {
			err := runWithInput(t.Context(), c.args, strings.NewReader(""), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%v: %v, want an error with %q", c.args, err, c.want)
			}
		}
	})
	t.Run("add-user", func(t *testing.T) {
		users := filepath.Join(t.TempDir(), "users")
		if err := runWithInput(t.Context(), []string{"studio", "--add-user", "lan", "--users", users}, strings.NewReader("mật khẩu đủ dài\n"), io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(users)
		if err != nil || !strings.HasPrefix(strings.Split(string(raw), "\n")[1], "lan:$2a$") || strings.Contains(string(raw), "mật khẩu") {
			t.Fatalf("users file %q, %v", raw, err)
		}
	})
	t.Run("serve", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		jar, _ := cookiejar.New(nil)
		client := &http.Client{Jar: jar}
		pr, pw := io.Pipe()
		done := make(chan error, 1)
		go func() {
			done <- runWithInput(ctx, []string{"studio", "--workspace", workspace, "--no-browser"}, strings.NewReader(""), pw, io.Discard)
			pw.Close()
		}()
		line, err := bufio.NewReader(pr).ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		go io.Copy(io.Discard, pr)
		link, ok := strings.CutPrefix(strings.TrimSpace(line), "studio: ")
		base, token, _ := strings.Cut(link, "?token=")
		if !ok || !strings.HasPrefix(base, "http://127.0.0.1:") || !strings.HasSuffix(base, "/") || len(token) < 40 {
			t.Fatalf("first line %q", line)
		}
		// Without the link's token, nothing is served; with it, the
		// browser gets a session and the page.
		for _, c := range []struct {
			url  string
			want int
		}{{base, http.StatusForbidden}, {link, http.StatusOK}, {base, http.StatusOK}} {
			resp, err := client.Get(c.url)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Fatalf("GET %s: %s, want %d", c.url, resp.Status, c.want)
			}
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the studio did not stop")
		}
	})
}

// The launch link, which carries the session token, reaches the browser
// through a page only the user can read, and appears in no command line.
func TestStudioLaunchFile(t *testing.T) {
	dir, err := os.MkdirTemp(t.TempDir(), "launch-")
	if err != nil {
		t.Fatal(err)
	}
	link := "http://127.0.0.1:8080/?token=Sb3_kTQy-x\"<x>&a=1"
	page, err := launchFile(dir, link)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(page)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 || filepath.Dir(page) != dir {
		t.Errorf("launch page %s: mode %v", page, st.Mode().Perm())
	}
	raw, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`content="0; url=http://127.0.0.1:8080/?token=Sb3_kTQy-x&#34;&lt;x&gt;&amp;a=1"`, `location.replace("http://127.0.0.1:8080/?token=Sb3_kTQy-x\"\u003cx\u003e\u0026a=1")`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("launch page lacks %s:\n%s", want, raw)
		}
	}
	for _, arg := range browserCommand(page).Args {
		if strings.Contains(arg, "token") {
			t.Errorf("the browser's command line carries the token: %q", arg)
		}
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := launchFile(dir, link); err == nil {
		t.Error("a launch page written in a folder others can read")
	}
}
