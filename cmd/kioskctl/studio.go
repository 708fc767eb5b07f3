package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/vnict/kiosk/cmd/kioskctl/internal/studio"
	"github.com/vnict/kiosk/kiosk/report/fleet"
)

// studioHelp says what kioskctl studio does; `kioskctl studio -h` prints it.
const studioHelp = `usage: kioskctl studio --workspace DIR --sites DIR [--key FILE] [--publisher-key FILE]
        [--listen ADDR --users FILE [--host NAME]... (--tls-cert FILE --tls-key FILE | --insecure-http)] [--no-browser]
        [--store ... --endpoint ... --root ROOT]
       kioskctl studio --add-user NAME --users FILE

The department's studio, in the browser: write bundles (texts per language,
pictures, the ticker) in the workspace folder, see each slide as each site in
--sites draws it, read the linter's findings beside each item, approve with
this machine's key (--key; its passphrase is typed in the page, used once and
forgotten), publish (--publisher-key), and watch the fleet.

It listens on 127.0.0.1 on a free port and opens the browser. Another
address (--listen 0.0.0.0:8443) needs department logins: a users file of
NAME:BCRYPT-HASH lines, written with --add-user (the password is asked
twice on the terminal, or read as one line from stdin), and TLS (--tls-cert,
--tls-key); plain HTTP on the network is refused unless --insecure-http
(dangerous: passwords and passphrases cross the network in clear). On the
loopback there are no logins: the studio prints a link with a one-time token
and opens it; only the browser that opens it gets in. Two approvers approve from two
studios on their own machines, sharing the workspace folder.

flags:
`

// runStudio is `kioskctl studio`.
func runStudio(ctx context.Context, args []string, stdout, stderr io.Writer, keys keyLoader) error {
	fset, sf := newStoreFlags("studio")
	fset.SetOutput(stderr)
	fset.Usage = func() {
		fmt.Fprint(fset.Output(), studioHelp)
		fset.PrintDefaults()
	}
	workspace := fset.String("workspace", "", "the folder of bundles, one folder per bundle (a shared folder for several approvers)")
	sites := fset.String("sites", "", "the folder of site configs (*.yaml): languages, lint, preview and targeting")
	key := fset.String("key", "", "this approver's private key file (stays on this machine)")
	pubKey := fset.String("publisher-key", "", "the publishing tool's private key file")
	listen := fset.String("listen", "127.0.0.1:0", "address to listen on; anything but loopback needs --users")
	fset.StringVar(listen, "addr", "127.0.0.1:0", "the same as --listen")
	users := fset.String("users", "", "the department logins file (NAME:BCRYPT-HASH lines)")
	addUser := fset.String("add-user", "", "set this login's password in --users, and exit")
	var hosts multiFlag
	fset.Var(&hosts, "host", "a host name the department reaches the studio by, accepted in the Host header (repeat)")
	noBrowser := fset.Bool("no-browser", false, "do not open the browser")
	tlsCert := fset.String("tls-cert", "", "serve HTTPS with this certificate (PEM)")
	tlsKey := fset.String("tls-key", "", "the TLS certificate's private key (PEM)")
	insecureHTTP := fset.Bool("insecure-http", false, "DANGEROUS: serve plain HTTP on a non-loopback --listen; logins and key passphrases cross the network in clear (a trusted, isolated network only)")
	rootPath := rootFlag(fset)
	state := stateFlag(fset)
	fontCache := fset.String("font-cache", "", "folder for the system font index (default: the user cache)")
	ffmpeg := fset.String("ffmpeg", "", "the ffmpeg program for video uploads (default: ffmpeg on the PATH, if any)")
	if _, err := parse(fset, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *addUser != "" {
		if *users == "" {
			return errors.New("studio --add-user: give --users FILE")
		}
		pass, err := newPassword(keys, *addUser)
		defer clear(pass)
		if err != nil {
			return err
		}
		if err := studio.AddUser(*users, *addUser, pass); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: login %s set\n", *users, *addUser)
		return nil
	}
	if *workspace == "" {
		return errors.New("studio: give --workspace DIR (kioskctl studio -h)")
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return errors.New("studio: give both --tls-cert and --tls-key, or neither")
	}
	if err := studio.CheckListen(*listen, studio.ListenSecurity{Users: *users != "", TLS: *tlsCert != "", InsecureHTTP: *insecureHTTP}); err != nil {
		return err
	}
	opt := studio.Options{Workspace: *workspace, SitesDir: *sites, KeyFile: *key, PublisherKeyFile: *pubKey,
		FontCacheDir: *fontCache, TLS: *tlsCert != "",
		Log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	if *users != "" {
		u, err := studio.LoadUsers(*users)
		if err != nil {
			return err
		}
		opt.Users = u
	}
	for _, p := range []string{*key, *pubKey} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("studio: key file: %w", err)
		}
	}
	if *ffmpeg == "" {
		if p, err := exec.LookPath("ffmpeg"); err == nil {
			*ffmpeg = p
		}
	}
	opt.FFmpeg = *ffmpeg
	if sf.store != "" {
		st, err := sf.open()
		if err != nil {
			return err
		}
		opt.Store = st
		if fst, ok := st.(fleet.Store); ok {
			opt.Reports = fst
		}
		if root, err := os.ReadFile(*rootPath); err == nil {
			opt.Root = root
			opt.StateDir = *state
			if opt.StateDir == "" {
				opt.StateDir = filepath.Join(filepath.Dir(*rootPath), "kioskctl-state")
			}
		} else {
			fmt.Fprintf(stderr, "kioskctl studio: no trusted root (%v): approving and publishing are off\n", err)
		}
	}
	srv, err := studio.New(opt)
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("studio: %w", err)
	}
	if opt.TLS {
		cert, err := tls.LoadX509KeyPair(*tlsCert, *tlsKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("studio: TLS: %w", err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	} else if h, _, _ := net.SplitHostPort(*listen); !isLoopbackHost(h) {
		fmt.Fprintln(stderr, "kioskctl studio: warning: --insecure-http: logins and key passphrases cross the network in clear")
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	// The launch link carries the session token: the browser is handed a
	// private file that leads to it, never the link itself, which every
	// local user could read in the command line of the opener.
	launchDir, err := os.MkdirTemp("", "kioskctl-studio-")
	if err != nil {
		ln.Close()
		return fmt.Errorf("studio: %w", err)
	}
	defer os.RemoveAll(launchDir)
	return srv.Serve(ctx, ln, hosts, func(url string) {
		fmt.Fprintf(stdout, "studio: %s\n", url)
		if !*noBrowser {
			if err := openBrowser(launchDir, url); err != nil {
				fmt.Fprintf(stderr, "kioskctl studio: open the browser at %s (%v)\n", url, err)
			}
		}
	})
}

func isLoopbackHost(h string) bool {
	ip := net.ParseIP(h)
	return h == "localhost" || ip != nil && ip.IsLoopback()
}

// openBrowser opens url in the desktop's browser through launchFile's
// page in dir, so that url appears in no command line.
func openBrowser(dir, url string) error {
	page, err := launchFile(dir, url)
	if err != nil {
		return err
	}
	cmd := browserCommand(page)
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait() // reap it; the browser outlives it
	return nil
}

// launchFile writes, in dir (a folder of the user's only, as
// os.MkdirTemp makes it), an HTML page readable by the user only that
// leads the browser to url, and returns its path.
func launchFile(dir, url string) (string, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return "", err
	}
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("launch folder %s: mode %v, want one only its owner can read", dir, st.Mode().Perm())
	}
	u := html.EscapeString(url)
	js, err := json.Marshal(url)
	if err != nil {
		return "", err
	}
	page := "<!doctype html>\n<meta charset=\"utf-8\">\n<meta name=\"referrer\" content=\"no-referrer\">\n" +
		"<meta http-equiv=\"refresh\" content=\"0; url=" + u + "\">\n<title>Kiosk Studio</title>\n" +
		"<script>location.replace(" + strings.ReplaceAll(string(js), "<", "\\u003c") + ")</script>\n" +
		"<p><a href=\"" + u + "\">Kiosk Studio</a></p>\n"
	path := filepath.Join(dir, "launch.html")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return "", err
	}
	if _, err := f.WriteString(page); err != nil {
		f.Close()
		return "", fmt.Errorf("launch page %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("launch page %s: %w", path, err)
	}
	return path, nil
}

// browserCommand is the command that opens the local file page in the
// desktop's browser.
func browserCommand(page string) *exec.Cmd {
	switch runtime.GOOS {
	case "windows":
		return exec.Command("rundll32", "url.dll,FileProtocolHandler", page)
	case "darwin":
		return exec.Command("open", page)
	default:
		return exec.Command("xdg-open", page)
	}
}

// newPassword asks for a login's password: twice on a terminal, one line
// from stdin otherwise. The caller clears it.
func newPassword(keys keyLoader, name string) ([]byte, error) {
	pass, err := keys.passphrase("password for " + name + ": ")
	if err != nil {
		return nil, err
	}
	if !keys.terminal() {
		return pass, nil
	}
	again, err := keys.passphrase("the same password again: ")
	defer clear(again)
	if err != nil {
		clear(pass)
		return nil, err
	}
	if !bytes.Equal(pass, again) {
		clear(pass)
		return nil, errors.New("the two passwords differ")
	}
	return pass, nil
}
