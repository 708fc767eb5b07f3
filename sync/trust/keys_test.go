package trust

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
	"golang.org/x/text/unicode/norm"
)

// passphrase is the test's passphrase: Vietnamese, so its bytes are not
// plain ASCII.
const passphrase = "cửa khẩu Tịnh Biên 2026"

// newEncryptedKey makes an encrypted key pair in a temporary folder and
// returns the private key's path.
func newEncryptedKey(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := GenerateKey(dir, "editor", []byte(passphrase)); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "editor.key")
}

func TestEncryptedKeyRoundTrip(t *testing.T) {
	path := newEncryptedKey(t)
	dir := filepath.Dir(path)
	for _, name := range []string{"editor.key", "editor.pub"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		want := os.FileMode(0o644)
		if name == "editor.key" {
			want = 0o600
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s mode %v, want %v", name, fi.Mode().Perm(), want)
		}
	}
	k, err := ReadPrivateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !k.Encrypted() {
		t.Fatal("an encrypted key reports not encrypted")
	}
	pass := []byte(passphrase)
	s, err := k.Signer(pass)
	if err != nil {
		t.Fatal(err)
	}
	if string(pass) != passphrase {
		t.Error("Signer changed the caller's passphrase")
	}
	pub, err := LoadPublicKey(filepath.Join(dir, "editor.pub"))
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("targets v2")
	sig, err := s.SignMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	if !ed25519.Verify(pub.(ed25519.PublicKey), msg, sig) {
		t.Error("the decrypted key does not sign for the public key beside it")
	}
	// The plain-key convenience refuses an encrypted key.
	if _, err := LoadSigner(path); !errors.Is(err, ErrPassphrase) {
		t.Errorf("LoadSigner of an encrypted key: %v, want ErrPassphrase", err)
	}
}

func TestEncryptedKeyRefusesWrongPassphrase(t *testing.T) {
	path := newEncryptedKey(t)
	k, err := ReadPrivateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, wrong := range []string{"", "cửa khẩu Tịnh Biên 2025", passphrase + " "} {
		_, err := k.Signer([]byte(wrong))
		if !errors.Is(err, ErrPassphrase) {
			t.Errorf("Signer(%q) = %v, want ErrPassphrase", wrong, err)
			continue
		}
		if !strings.Contains(err.Error(), path) {
			t.Errorf("error does not name the file: %v", err)
		}
		for _, secret := range []string{passphrase, wrong} {
			if secret != "" && strings.Contains(err.Error(), secret) {
				t.Errorf("error shows a passphrase: %v", err)
			}
		}
	}
}

// sealed returns the encrypted envelope of the key file at path.
func sealed(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != EncryptedKeyPEMType {
		t.Fatalf("%s: no %s block", path, EncryptedKeyPEMType)
	}
	var env map[string]any
	if err := json.Unmarshal(block.Bytes, &env); err != nil {
		t.Fatal(err)
	}
	return env
}

// reseal writes env back to path as an encrypted key file.
func reseal(t *testing.T, path string, env map[string]any) {
	t.Helper()
	raw, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: EncryptedKeyPEMType, Bytes: raw}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestEncryptedKeyTampered(t *testing.T) {
	b64 := func(env map[string]any, path ...string) []byte {
		var v any = env
		for _, p := range path {
			v = v.(map[string]any)[p]
		}
		b, err := base64.StdEncoding.DecodeString(v.(string))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name string
		edit func(env map[string]any)
		// atRead: ReadPrivateKey refuses the file; otherwise Signer
		// refuses it with ErrPassphrase.
		atRead bool
	}{
		{"ciphertext bit flipped", func(env map[string]any) {
			c := b64(env, "ciphertext")
			c[len(c)/2] ^= 1
			env["ciphertext"] = c
		}, false},
		{"nonce changed", func(env map[string]any) {
			n := b64(env, "cipher", "nonce")
			n[0] ^= 0x80
			env["cipher"].(map[string]any)["nonce"] = n
		}, false},
		{"salt changed", func(env map[string]any) {
			s := b64(env, "kdf", "salt")
			s[3]++
			env["kdf"].(map[string]any)["salt"] = s
		}, false},
		{"weaker scrypt parameters", func(env map[string]any) {
			env["kdf"].(map[string]any)["params"].(map[string]any)["N"] = 1 << 15
		}, false},
		{"scrypt parameters costing gigabytes", func(env map[string]any) {
			env["kdf"].(map[string]any)["params"].(map[string]any)["N"] = 1 << 24
		}, true},
		{"ciphertext cut short", func(env map[string]any) { env["ciphertext"] = b64(env, "ciphertext")[:10] }, true},
		{"nonce cut short", func(env map[string]any) { env["cipher"].(map[string]any)["nonce"] = b64(env, "cipher", "nonce")[:8] }, true},
		{"another cipher", func(env map[string]any) { env["cipher"].(map[string]any)["name"] = "aes-gcm" }, true},
		{"another kdf", func(env map[string]any) { env["kdf"].(map[string]any)["name"] = "pbkdf2" }, true},
	}
	// One key for every case: scrypt makes each key slow to make.
	orig := sealed(t, newEncryptedKey(t))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "editor.key")
			var env map[string]any
			raw, _ := json.Marshal(orig)
			if err := json.Unmarshal(raw, &env); err != nil {
				t.Fatal(err)
			}
			tc.edit(env)
			reseal(t, path, env)
			k, err := ReadPrivateKey(path)
			if tc.atRead {
				if err == nil || !strings.Contains(err.Error(), path) {
					t.Fatalf("ReadPrivateKey = %v, want a refusal naming %s", err, path)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := k.Signer([]byte(passphrase)); !errors.Is(err, ErrPassphrase) {
				t.Errorf("Signer of an altered key = %v, want ErrPassphrase", err)
			}
		})
	}
}

func TestReadPrivateKeyRefusesBadFiles(t *testing.T) {
	good, err := os.ReadFile(newEncryptedKey(t))
	if err != nil {
		t.Fatal(err)
	}
	plainDir := t.TempDir()
	if err := GenerateKey(plainDir, "plain", nil); err != nil {
		t.Fatal(err)
	}
	plain, err := os.ReadFile(filepath.Join(plainDir, "plain.key"))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := os.ReadFile(filepath.Join(plainDir, "plain.pub"))
	if err != nil {
		t.Fatal(err)
	}
	huge := append(append([]byte{}, good...), bytes.Repeat([]byte("#"), 4<<20)...)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "no PEM block"},
		{"garbage", []byte("\x00\x01not a key at all\xff"), "no PEM block"},
		{"encrypted, truncated", good[:len(good)/2], "no PEM block"},
		{"plain, truncated", plain[:len(plain)-20], "no PEM block"},
		{"public key", pub, "not a private key"},
		{"encrypted, not JSON", pem.EncodeToMemory(&pem.Block{Type: EncryptedKeyPEMType, Bytes: []byte("{\"kdf\":")}), "not an encrypted key"},
		{"plain, not PKCS#8", pem.EncodeToMemory(&pem.Block{Type: PlainKeyPEMType, Bytes: []byte("junk")}), "asn1"},
		{"huge", huge, "more than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.key")
			if err := os.WriteFile(path, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			k, err := ReadPrivateKey(path)
			if err == nil {
				// A file that parses as PEM may still fail to open.
				_, err = k.Signer(nil)
			}
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name %s and say %q", err, path, tc.want)
			}
		})
	}
	// An endless file: the read stops at the bound (unbounded, it would
	// never return).
	if _, err := os.Stat("/dev/zero"); err == nil {
		if _, err := ReadPrivateKey("/dev/zero"); err == nil || !strings.Contains(err.Error(), "more than") {
			t.Errorf("ReadPrivateKey(/dev/zero) = %v", err)
		}
	}
	if _, err := ReadPrivateKey(filepath.Join(plainDir, "missing.key")); err == nil || !strings.Contains(err.Error(), "missing.key") {
		t.Errorf("a missing file: %v", err)
	}
}

func TestPlainKeyStillLoads(t *testing.T) {
	dir := t.TempDir()
	if err := GenerateKey(dir, "publisher", nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "publisher.key")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if block, _ := pem.Decode(data); block == nil || block.Type != "PRIVATE KEY" {
		t.Fatalf("a plain key is not PKCS#8 PEM:\n%s", data)
	}
	k, err := ReadPrivateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if k.Encrypted() {
		t.Error("a plain key reports encrypted")
	}
	if _, err := k.Signer(nil); err != nil {
		t.Error(err)
	}
	if _, err := LoadSigner(path); err != nil {
		t.Error(err)
	}
}

// The encrypted file holds neither the private key nor the passphrase, in
// any encoding.
func TestEncryptedKeyHidesSecrets(t *testing.T) {
	path := newEncryptedKey(t)
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(file)
	der, err := encrypted.Decrypt(block.Bytes, []byte(passphrase))
	if err != nil {
		t.Fatal(err)
	}
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		t.Fatal(err)
	}
	seed := key.(ed25519.PrivateKey).Seed()
	ciphertext, err := base64.StdEncoding.DecodeString(sealed(t, path)["ciphertext"].(string))
	if err != nil {
		t.Fatal(err)
	}
	for _, where := range []struct {
		name string
		data []byte
	}{{"the file", file}, {"the PEM block", block.Bytes}, {"the ciphertext", ciphertext}} {
		for _, secret := range []struct {
			name string
			data []byte
		}{
			{"PKCS#8 key", der},
			{"seed", seed},
			{"seed in base64", []byte(base64.StdEncoding.EncodeToString(seed))},
			{"passphrase", []byte(passphrase)},
		} {
			if bytes.Contains(where.data, secret.data) {
				t.Errorf("%s holds the %s", where.name, secret.name)
			}
		}
	}
}

// TestPassphraseNormalised opens keys with the passphrase typed the other
// way: Vietnamese composed (NFC) or decomposed (NFD), as input methods
// send either. A key sealed before passphrases were normalised, under NFD
// bytes, still opens with them.
func TestPassphraseNormalised(t *testing.T) {
	nfc := []byte("Tiếng Việt mật khẩu")
	nfd := []byte("Tie\u0302\u0301ng Vie\u0323\u0302t ma\u0323\u0302t kha\u0302\u0309u")
	if bytes.Equal(nfc, nfd) || !bytes.Equal(norm.NFC.Bytes(nfd), nfc) {
		t.Fatal("want two forms of one text")
	}
	legacy := filepath.Join(t.TempDir(), "legacy.key")
	{
		_, priv, err := ed25519.GenerateKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			t.Fatal(err)
		}
		sealedDER, err := encrypted.Encrypt(der, nfd) // as a key sealed without normalising
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(legacy, pem.EncodeToMemory(&pem.Block{Type: EncryptedKeyPEMType, Bytes: sealedDER}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name      string
		generated []byte // nil: the legacy key
		typed     []byte
	}{
		{"made NFD, typed NFC", nfd, nfc},
		{"made NFC, typed NFD", nfc, nfd},
		{"made NFD, typed NFD", nfd, nfd},
		{"sealed under NFD bytes, typed NFD", nil, nfd},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := legacy
			if tc.generated != nil {
				dir := t.TempDir()
				given := bytes.Clone(tc.generated)
				if err := GenerateKey(dir, "editor", given); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(given, tc.generated) {
					t.Error("GenerateKey changed the caller's passphrase")
				}
				path = filepath.Join(dir, "editor.key")
			}
			k, err := ReadPrivateKey(path)
			if err != nil {
				t.Fatal(err)
			}
			typed := bytes.Clone(tc.typed)
			if _, err := k.Signer(typed); err != nil {
				t.Fatalf("Signer: %v", err)
			}
			if !bytes.Equal(typed, tc.typed) {
				t.Error("Signer changed the caller's passphrase")
			}
		})
	}
}

// TestPlainKeyClearedAfterSigner checks that a plain key's DER does not
// stay in the PrivateKey once a signer holds the key, and that a second
// Signer says so.
func TestPlainKeyClearedAfterSigner(t *testing.T) {
	dir := t.TempDir()
	if err := GenerateKey(dir, "plain", nil); err != nil {
		t.Fatal(err)
	}
	k, err := ReadPrivateKey(filepath.Join(dir, "plain.key"))
	if err != nil {
		t.Fatal(err)
	}
	der := k.data
	if _, err := k.Signer(nil); err != nil {
		t.Fatal(err)
	}
	if k.data != nil || !bytes.Equal(der, make([]byte, len(der))) {
		t.Error("the key's DER is still held after Signer")
	}
	if _, err := k.Signer(nil); err == nil || !strings.Contains(err.Error(), "opened already") {
		t.Errorf("second Signer = %v, want a refusal", err)
	}
}

// TestEnvelopeTrailingData refuses, when reading, an envelope followed by
// more data, which the encrypted package refuses while decrypting: the
// two must agree, so that Signer's refusals are the passphrase's.
func TestEnvelopeTrailingData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "editor.key")
	raw, err := json.Marshal(sealed(t, newEncryptedKey(t)))
	if err != nil {
		t.Fatal(err)
	}
	for _, trailer := range []string{` {}`, `x`} {
		data := append(bytes.Clone(raw), trailer...)
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: EncryptedKeyPEMType, Bytes: data}), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, derr := encrypted.Decrypt(data, []byte(passphrase)); derr == nil {
			t.Fatalf("the encrypted package accepts %q after the envelope", trailer)
		}
		if _, err := ReadPrivateKey(path); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("ReadPrivateKey with %q after the envelope = %v, want a refusal naming the file", trailer, err)
		}
	}
}
