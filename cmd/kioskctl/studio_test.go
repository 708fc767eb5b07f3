package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStudioCommand starts kioskctl studio, reads the address it prints,
// fetches its first page, and stops it; and checks its refusals.
func TestStudioCommand(t *testing.T) {
	workspace := t.TempDir()
	t.Run("refusals", func(t *testing.T) {
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"studio"}, "--workspace"},
			{[]string{"studio", "--workspace", workspace, "--listen", "0.0.0.0:0", "--no-browser"}, "not a loopback address"},
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
		url, ok := strings.CutPrefix(strings.TrimSpace(line), "studio: ")
		if !ok || !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.HasSuffix(url, "/") {
			t.Fatalf("first line %q", line)
		}
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatal(resp.Status)
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
