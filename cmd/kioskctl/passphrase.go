package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"unicode/utf8"

	"github.com/sigstore/sigstore/pkg/signature"
	"golang.org/x/term"
	"golang.org/x/text/unicode/norm"

	"github.com/vnict/kiosk/sync/trust"
)

// keyLoader opens the private keys a command signs with. A passphrase is
// asked for on the terminal when stdin is one; otherwise it is read as
// one line from stdin, one line per encrypted key in the order the keys
// were given, so scripts, tests and a cron job (`kioskctl refresh <
// passphrase-file`) can feed it. Prompts and warnings go to stderr; a
// passphrase is never printed, logged or put in an error.
type keyLoader struct {
	stdin  io.Reader
	stderr io.Writer
}

// maxPassphrase bounds a passphrase line read from stdin.
const maxPassphrase = 1024

// minPassphraseRunes is the shortest passphrase keygen accepts.
const minPassphraseRunes = 8

// signer reads the key at path and opens it, asking for its passphrase if
// it is encrypted and warning if it is not.
func (l keyLoader) signer(path string) (signature.Signer, error) {
	k, err := trust.ReadPrivateKey(path)
	if err != nil {
		return nil, err
	}
	if !k.Encrypted() {
		fmt.Fprintf(l.stderr, "kioskctl: warning: %s is not encrypted; anyone who copies it can sign with it. "+
			"Make a key with a passphrase (kioskctl keygen) and have it take this one's place (kioskctl rotate-root).\n", filepath.Base(path))
		return k.Signer(nil)
	}
	pass, err := l.passphrase("passphrase for " + filepath.Base(path) + ": ")
	defer clear(pass)
	if err != nil {
		return nil, fmt.Errorf("%s is encrypted: %w", path, err)
	}
	s, err := k.Signer(pass)
	if errors.Is(err, trust.ErrPassphrase) {
		return nil, fmt.Errorf("%w: nothing was signed", err)
	}
	return s, err
}

// signers opens each key in paths, in order.
func (l keyLoader) signers(paths []string) ([]signature.Signer, error) {
	var out []signature.Signer
	for _, p := range paths {
		s, err := l.signer(p)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// newPassphrase asks for the passphrase of a new key: twice on a
// terminal, once from stdin otherwise. The caller clears it. It is
// returned in Unicode's NFC form, as trust seals and opens keys (an input
// method may send "ế" as e with two combining marks), and its length and
// the two entries are judged in that form.
func (l keyLoader) newPassphrase(name string) ([]byte, error) {
	pass, err := l.passphrase("passphrase for the new key " + name + ": ")
	if err != nil {
		clear(pass)
		return nil, err
	}
	pass = toNFC(pass)
	if n := utf8.RuneCount(pass); n < minPassphraseRunes {
		clear(pass)
		if n == 0 {
			return nil, errors.New("empty passphrase: give one, or --no-passphrase for a plain key")
		}
		return nil, fmt.Errorf("passphrase too short: at least %d characters", minPassphraseRunes)
	}
	if !l.terminal() {
		return pass, nil
	}
	again, err := l.passphrase("the same passphrase again: ")
	if err != nil {
		clear(pass)
		clear(again)
		return nil, err
	}
	again = toNFC(again)
	defer clear(again)
	if !bytes.Equal(pass, again) {
		clear(pass)
		return nil, errors.New("the two passphrases differ")
	}
	return pass, nil
}

// toNFC returns p in NFC form, clearing p if that is a copy.
func toNFC(p []byte) []byte {
	if norm.NFC.IsNormal(p) {
		return p
	}
	n := norm.NFC.Bytes(p)
	clear(p)
	return n
}

// terminal reports whether stdin is a terminal.
func (l keyLoader) terminal() bool {
	f, ok := l.stdin.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// passphrase reads one passphrase: without echo from the terminal, after
// prompt, or one line from stdin when stdin is not a terminal.
func (l keyLoader) passphrase(prompt string) ([]byte, error) {
	if l.terminal() {
		fmt.Fprint(l.stderr, prompt)
		pass, err := term.ReadPassword(int(l.stdin.(*os.File).Fd()))
		fmt.Fprintln(l.stderr)
		if err != nil {
			clear(pass)
			return nil, fmt.Errorf("read the passphrase from the terminal: %w", err)
		}
		return pass, nil
	}
	return readLine(l.stdin)
}

// readLine reads one line of at most maxPassphrase bytes from r, a byte
// at a time: nothing past the line is consumed (the next key's passphrase
// may follow) and no copy is left in a buffer we do not clear. The line
// ends at "\n" or at the end of the input; a trailing "\r" is dropped.
func readLine(r io.Reader) ([]byte, error) {
	if r == nil {
		return nil, errors.New("no passphrase: stdin is not a terminal and there is no input")
	}
	buf := make([]byte, 0, maxPassphrase+1)
	var b [1]byte
	for {
		n, err := r.Read(b[:])
		if n == 1 {
			if b[0] == '\n' {
				break
			}
			if len(buf) == maxPassphrase {
				clear(buf[:cap(buf)])
				return nil, fmt.Errorf("the passphrase line on stdin is longer than %d bytes", maxPassphrase)
			}
			buf = append(buf, b[0])
		}
		if errors.Is(err, io.EOF) {
			if len(buf) == 0 {
				return nil, errors.New("no passphrase on stdin (stdin is not a terminal: give the passphrase as one line)")
			}
			break
		}
		if err != nil {
			clear(buf[:cap(buf)])
			return nil, fmt.Errorf("read the passphrase from stdin: %w", err)
		}
	}
	b[0] = 0
	if n := len(buf); n > 0 && buf[n-1] == '\r' {
		buf[n-1] = 0
		buf = buf[:n-1]
	}
	return buf, nil
}
