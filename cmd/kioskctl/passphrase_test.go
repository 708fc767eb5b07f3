package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vnict/kiosk/content/contenttest"
	"github.com/vnict/kiosk/sync/trust"
)

// TestEncryptedKeyWorkflow makes an approver key with a passphrase given
// on stdin and approves with it: the wrong passphrase signs and stages
// nothing, the right one signs; a plain key still signs, with a warning;
// no passphrase ever shows in what kioskctl prints.
func TestEncryptedKeyWorkflow(t *testing.T) {
	ctx := context.Background()
	keys, store, work := t.TempDir(), t.TempDir(), t.TempDir()
	bundle := contenttest.CopyDemo(t)
	root := filepath.Join(work, "root.json")
	const pass, wrong = "Tịnh Biên lúc 5 giờ sáng", "Tinh Bien luc 5 gio sang"
	var printed bytes.Buffer // everything kioskctl printed, to look for the passphrases
	kioskctl := func(stdin string, wantErr bool, args ...string) (stdout, stderr string) {
		t.Helper()
		var out, errOut bytes.Buffer
		err := runWithInput(ctx, args, strings.NewReader(stdin), &out, &errOut)
		printed.Write(out.Bytes())
		printed.Write(errOut.Bytes())
		if err != nil {
			printed.WriteString(err.Error())
		}
		if (err != nil) != wantErr {
			t.Fatalf("kioskctl %s: err = %v, want error: %v\n%s%s", strings.Join(args, " "), err, wantErr, out.String(), errOut.String())
		}
		if err != nil {
			return out.String(), err.Error()
		}
		return out.String(), errOut.String()
	}
	key := func(n string) string { return filepath.Join(keys, n) }

	out, _ := kioskctl(pass+"\n", false, "keygen", "editor", "--dir", keys)
	if !strings.Contains(out, "encrypted with your passphrase") {
		t.Errorf("keygen says:\n%s", out)
	}
	k, err := trust.ReadPrivateKey(key("editor.key"))
	if err != nil {
		t.Fatal(err)
	}
	if !k.Encrypted() {
		t.Fatal("keygen with a passphrase wrote a plain key")
	}
	// A passphrase is required unless --no-passphrase says otherwise.
	for _, tc := range []struct{ stdin, want string }{
		{"", "no passphrase on stdin"},
		{"\n", "empty passphrase"},
		{"short\n", "too short"},
	} {
		if _, msg := kioskctl(tc.stdin, true, "keygen", "deputy", "--dir", keys); !strings.Contains(msg, tc.want) || !strings.Contains(msg, "no key was written") {
			t.Errorf("keygen with stdin %q says %q, want %q", tc.stdin, msg, tc.want)
		}
		if _, err := os.Stat(key("deputy.key")); err == nil {
			t.Fatalf("keygen with stdin %q wrote a key", tc.stdin)
		}
	}
	for _, name := range []string{"leader", "publisher"} {
		if _, warn := kioskctl("", false, "keygen", name, "--dir", keys, "--no-passphrase"); !strings.Contains(warn, name+".key will not be encrypted") {
			t.Errorf("keygen --no-passphrase warns %q", warn)
		}
	}
	// Two encrypted root keys: one passphrase line each, in the order of
	// the keys.
	const rootPass, root2Pass = "gốc thứ nhất", "gốc thứ hai!"
	kioskctl(rootPass+"\n", false, "keygen", "root", "--dir", keys)
	kioskctl(root2Pass+"\n", false, "keygen", "root2", "--dir", keys)
	initRepo := []string{"init-repo", "--store", store, "--root-key", key("root.key"), "--root-key", key("root2.key"),
		"--approver", "editor=" + key("editor.pub"), "--approver", "leader=" + key("leader.pub"), "--threshold", "2",
		"--publisher", key("publisher.pub"), "--root-out", root}
	if _, msg := kioskctl(root2Pass+"\n"+rootPass+"\n", true, initRepo...); !strings.Contains(msg, "root.key") || !strings.Contains(msg, "wrong passphrase") {
		t.Errorf("init-repo with the passphrases swapped says %q", msg)
	}
	if _, err := os.Stat(filepath.Join(store, "tuf", "metadata", "1.root.json")); err == nil {
		t.Fatal("init-repo with a wrong passphrase created the repository")
	}
	kioskctl(rootPass+"\n"+root2Pass+"\n", false, initRepo...)

	approve := []string{"approve", bundle, "--store", store, "--root", root, "--key", key("editor.key")}
	for _, stdin := range []string{wrong + "\n", pass + " \n", "", "\n"} {
		_, msg := kioskctl(stdin, true, approve...)
		if stdin != "" && (!strings.Contains(msg, "wrong passphrase") || !strings.Contains(msg, "nothing was signed") || !strings.Contains(msg, "editor.key")) {
			t.Errorf("approve with passphrase %q says %q", stdin, msg)
		}
		if staged, _ := filepath.Glob(filepath.Join(store, "tuf", "staged", "*")); len(staged) != 0 {
			t.Fatalf("approve with a wrong passphrase staged %v", staged)
		}
	}
	out, warn := kioskctl(pass+"\n", false, approve...)
	if !strings.Contains(out, "signed by editor") || warn != "" {
		t.Errorf("approve with the right passphrase says:\n%s%s", out, warn)
	}
	// A Windows line end is not part of the passphrase.
	out, _ = kioskctl(pass+"\r\n", false, approve...)
	if !strings.Contains(out, "signed by editor") {
		t.Errorf("approve again says:\n%s", out)
	}
	out, warn = kioskctl("", false, "approve", bundle, "--store", store, "--root", root, "--key", key("leader.key"))
	if !strings.Contains(out, "ready to publish") || !strings.Contains(warn, "leader.key is not encrypted") {
		t.Errorf("approve with a plain key says:\n%s%s", out, warn)
	}

	for _, secret := range []string{pass, wrong, rootPass, root2Pass} {
		if strings.Contains(printed.String(), secret) {
			t.Errorf("kioskctl printed a passphrase:\n%s", printed.String())
		}
	}
}

func TestReadLine(t *testing.T) {
	long := strings.Repeat("x", maxPassphrase+1)
	tests := []struct {
		name, in string
		want     []string // lines read in turn; "" after the last means an error
		err      string
	}{
		{"one line", "mật khẩu\n", []string{"mật khẩu"}, ""},
		{"no final newline", "mật khẩu", []string{"mật khẩu"}, ""},
		{"two keys, two lines", "first one\nsecond\n", []string{"first one", "second"}, ""},
		{"CRLF", "abc def\r\n", []string{"abc def"}, ""},
		{"spaces kept", " a b \n", []string{" a b "}, ""},
		{"empty input", "", nil, "no passphrase on stdin"},
		{"second line missing", "only\n", []string{"only"}, "no passphrase on stdin"},
		{"too long", long + "\n", nil, "longer than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := strings.NewReader(tc.in)
			for _, want := range tc.want {
				got, err := readLine(r)
				if err != nil || string(got) != want {
					t.Fatalf("readLine = %q, %v; want %q", got, err, want)
				}
			}
			if tc.err == "" {
				return
			}
			got, err := readLine(r)
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("readLine = %q, %v; want an error saying %q", got, err, tc.err)
			}
			if strings.Contains(err.Error(), "xxxx") {
				t.Error("the error shows the line")
			}
		})
	}
}

// TestNewPassphraseNFC reads a new key's passphrase from stdin typed
// decomposed (NFD), as some Vietnamese input methods send it: it comes
// back composed (NFC), and its length is counted in that form, so six
// letters carrying marks are too short however many code points they
// were sent as.
func TestNewPassphraseNFC(t *testing.T) {
	for _, tc := range []struct {
		name, typed, want, err string
	}{
		{"decomposed", "Tie\u0302\u0301ng Vie\u0323\u0302t\n", "Tiếng Việt", ""},
		{"composed", "Tiếng Việt\n", "Tiếng Việt", ""},
		{"six letters in eighteen code points", strings.Repeat("e\u0323\u0302", 6) + "\n", "", "too short"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			got, err := keyLoader{stdin: strings.NewReader(tc.typed), stderr: &stderr}.newPassphrase("editor")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("newPassphrase = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("newPassphrase = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
