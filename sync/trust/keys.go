package trust

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"
	"golang.org/x/crypto/nacl/secretbox"
	"golang.org/x/text/unicode/norm"
)

// Private key files.
//
// A plain key is PKCS#8 DER in a "PRIVATE KEY" PEM block, as openssl
// writes it. An encrypted key is the same DER sealed with a passphrase by
// go-securesystemslib's encrypted package (scrypt, then NaCl secretbox;
// the package doc says why), in a PEM block of type EncryptedKeyPEMType
// whose bytes are that package's JSON envelope: scrypt parameters and
// salt, secretbox nonce, ciphertext. Its own PEM type keeps tools that
// know PKCS#8's "ENCRYPTED PRIVATE KEY" from misreading it.
const (
	// PlainKeyPEMType is the PEM type of an unencrypted private key.
	PlainKeyPEMType = "PRIVATE KEY"
	// EncryptedKeyPEMType is the PEM type of a private key sealed with a
	// passphrase.
	EncryptedKeyPEMType = "KIOSK ENCRYPTED PRIVATE KEY"
)

// maxKeyFileBytes bounds what ReadPrivateKey and LoadPublicKey read: an
// ed25519 key file is a few hundred bytes.
const maxKeyFileBytes = 16 << 10

// ErrPassphrase: the passphrase does not open the encrypted key file (or
// the file was altered: the two cannot be told apart), or none was given.
var ErrPassphrase = errors.New("wrong passphrase, or the key file was altered")

// GenerateKey writes a new ed25519 key pair to dir: <name>.key holds the
// private key (mode 0600) and <name>.pub the public key (PKIX PEM). With a
// passphrase the private key is encrypted with it (EncryptedKeyPEMType);
// with none it is plain PKCS#8 PEM, which anyone who copies the file can
// sign with. It refuses to overwrite either file: losing a key that root
// trusts means a root rotation. The passphrase is not kept or changed.
//
// The passphrase is sealed in Unicode's NFC form, as Signer tries it
// first: "ế" typed as one character or as e with two combining marks (an
// input method may send either) is the same passphrase.
func GenerateKey(dir, name string, passphrase []byte) error {
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return fmt.Errorf("trust: generate key: invalid key name %q", name)
	}
	privPath := filepath.Join(dir, name+".key")
	pubPath := filepath.Join(dir, name+".pub")
	for _, p := range []string{privPath, pubPath} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("trust: generate key: %s already exists", p)
		}
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("trust: generate key %s: %w", name, err)
	}
	defer clear(priv)
	privDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return fmt.Errorf("trust: generate key %s: %w", name, err)
	}
	defer clear(privDER)
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return fmt.Errorf("trust: generate key %s: %w", name, err)
	}
	block := &pem.Block{Type: PlainKeyPEMType, Bytes: privDER}
	if len(passphrase) > 0 {
		pass := nfc(passphrase)
		defer clearCopy(pass, passphrase)
		sealed, err := encrypted.Encrypt(privDER, pass)
		if err != nil {
			return fmt.Errorf("trust: generate key %s: encrypt: %w", name, err)
		}
		block = &pem.Block{Type: EncryptedKeyPEMType, Bytes: sealed}
	}
	privPEM := pem.EncodeToMemory(block)
	defer clear(privPEM)
	if err := writeNew(privPath, privPEM, 0o600); err != nil {
		return fmt.Errorf("trust: generate key: %w", err)
	}
	if err := writeNew(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644); err != nil {
		os.Remove(privPath)
		return fmt.Errorf("trust: generate key: %w", err)
	}
	return nil
}

// writeNew creates path (failing if it exists), writes data and syncs it.
func writeNew(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// PrivateKey is a private key file as read from disk, still sealed if it
// is encrypted. Signer opens it.
type PrivateKey struct {
	path      string
	encrypted bool
	// data is the PKCS#8 DER of a plain key, or the encrypted package's
	// JSON envelope of an encrypted one.
	data []byte
}

// ReadPrivateKey reads a private key file written by GenerateKey (plain or
// encrypted), refusing a file larger than a key file can be or not in
// either format. It checks an encrypted file's envelope but does not open
// it: that needs the passphrase (Signer).
func ReadPrivateKey(path string) (*PrivateKey, error) {
	block, err := readPEM(path)
	if err != nil {
		return nil, err
	}
	switch block.Type {
	case PlainKeyPEMType:
		return &PrivateKey{path: path, data: block.Bytes}, nil
	case EncryptedKeyPEMType:
		if err := checkEnvelope(block.Bytes); err != nil {
			return nil, fmt.Errorf("trust: read key %s: not an encrypted key: %w", path, err)
		}
		return &PrivateKey{path: path, encrypted: true, data: block.Bytes}, nil
	}
	return nil, fmt.Errorf("trust: read key %s: PEM type %q is not a private key (want %q or %q)",
		path, block.Type, PlainKeyPEMType, EncryptedKeyPEMType)
}

// Path is the file the key was read from.
func (k *PrivateKey) Path() string { return k.path }

// Encrypted reports whether the key file is sealed with a passphrase.
func (k *PrivateKey) Encrypted() bool { return k.encrypted }

// Signer opens the key: an encrypted key with passphrase (errors.Is(err,
// ErrPassphrase) when it does not open it), a plain key without one (the
// passphrase is then ignored). The passphrase is not kept or changed; the
// decrypted key bytes are cleared once the signer holds the key.
//
// The passphrase is tried in Unicode's NFC form (see GenerateKey), then,
// if it differs, as given (a key sealed by a version that did not
// normalise it). A plain key's bytes are cleared once the signer holds
// the key, so a plain PrivateKey opens once: read the file again for
// another signer.
func (k *PrivateKey) Signer(passphrase []byte) (signature.Signer, error) {
	der := k.data
	if k.encrypted {
		if len(passphrase) == 0 {
			return nil, fmt.Errorf("trust: key %s is encrypted and no passphrase was given: %w", k.path, ErrPassphrase)
		}
		// The envelope was checked by ReadPrivateKey, so a failure here is
		// the secretbox refusing the ciphertext under this passphrase.
		// The library's own error is left out: it says nothing more.
		pass := nfc(passphrase)
		defer clearCopy(pass, passphrase)
		plain, err := encrypted.Decrypt(k.data, pass)
		if err != nil && !bytes.Equal(pass, passphrase) {
			plain, err = encrypted.Decrypt(k.data, passphrase)
		}
		if err != nil {
			return nil, fmt.Errorf("trust: key %s: %w", k.path, ErrPassphrase)
		}
		defer clear(plain)
		der = plain
	} else {
		if k.data == nil {
			return nil, fmt.Errorf("trust: key %s was opened already; read the file again", k.path)
		}
		defer func() {
			clear(k.data)
			k.data = nil
		}()
	}
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("trust: key %s: %w", k.path, err)
	}
	priv, ok := key.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("trust: key %s: %T is not an ed25519 key", k.path, key)
	}
	s, err := signature.LoadED25519Signer(priv)
	if err != nil {
		return nil, fmt.Errorf("trust: key %s: %w", k.path, err)
	}
	return s, nil
}

// LoadSigner reads a plain private key written by GenerateKey without a
// passphrase; an encrypted one is refused with ErrPassphrase (use
// ReadPrivateKey and Signer).
func LoadSigner(path string) (signature.Signer, error) {
	k, err := ReadPrivateKey(path)
	if err != nil {
		return nil, err
	}
	return k.Signer(nil)
}

// nfc is the passphrase in Unicode's NFC form: p itself when it is
// already, a copy otherwise.
func nfc(p []byte) []byte {
	if norm.NFC.IsNormal(p) {
		return p
	}
	return norm.NFC.Bytes(p)
}

// clearCopy clears c if it is not p: a caller's passphrase is not
// changed, a copy of it is not left behind.
func clearCopy(c, p []byte) {
	if len(c) > 0 && len(p) > 0 && &c[0] == &p[0] {
		return
	}
	clear(c)
}

// sealedKey is the shape of the encrypted package's JSON envelope, checked before
// any passphrase is tried.
type sealedKey struct {
	KDF struct {
		Name   string `json:"name"`
		Params struct {
			N int `json:"N"`
			R int `json:"r"`
			P int `json:"p"`
		} `json:"params"`
		Salt []byte `json:"salt"`
	} `json:"kdf"`
	Cipher struct {
		Name  string `json:"name"`
		Nonce []byte `json:"nonce"`
	} `json:"cipher"`
	Ciphertext []byte `json:"ciphertext"`
}

// checkEnvelope checks what the encrypted package would otherwise find
// only while decrypting, so that Signer's failures are the passphrase's:
// the algorithm names, scrypt parameters the package accepts (2^15, 2^16
// or 2^17 with r=8, p=1: nothing an altered file could use to make us
// allocate gigabytes), and the sizes of salt, nonce and ciphertext. It
// decodes the JSON as the package does (json.Unmarshal), so that both
// refuse the same envelopes: anything after the object, for one.
func checkEnvelope(data []byte) error {
	var e sealedKey
	if err := json.Unmarshal(data, &e); err != nil {
		return fmt.Errorf("envelope: %w", err)
	}
	switch {
	case e.KDF.Name != "scrypt":
		return fmt.Errorf("kdf.name %q, want \"scrypt\"", e.KDF.Name)
	case e.Cipher.Name != "nacl/secretbox":
		return fmt.Errorf("cipher.name %q, want \"nacl/secretbox\"", e.Cipher.Name)
	case e.KDF.Params.R != 8 || e.KDF.Params.P != 1 ||
		(e.KDF.Params.N != 1<<15 && e.KDF.Params.N != 1<<16 && e.KDF.Params.N != 1<<17):
		return fmt.Errorf("kdf.params N=%d r=%d p=%d: not parameters this tool writes", e.KDF.Params.N, e.KDF.Params.R, e.KDF.Params.P)
	case len(e.KDF.Salt) != 32:
		return fmt.Errorf("kdf.salt: %d bytes, want 32", len(e.KDF.Salt))
	case len(e.Cipher.Nonce) != 24:
		return fmt.Errorf("cipher.nonce: %d bytes, want 24", len(e.Cipher.Nonce))
	case len(e.Ciphertext) <= secretbox.Overhead:
		return fmt.Errorf("ciphertext: %d bytes, too short for a key", len(e.Ciphertext))
	}
	return nil
}

// LoadPublicKey reads an ed25519 public key written by GenerateKey.
func LoadPublicKey(path string) (crypto.PublicKey, error) {
	block, err := readPEM(path)
	if err != nil {
		return nil, err
	}
	if block.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("trust: read key %s: PEM type %q, want \"PUBLIC KEY\"", path, block.Type)
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("trust: load public key %s: %w", path, err)
	}
	pub, ok := key.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("trust: load public key %s: %T is not an ed25519 key", path, key)
	}
	return pub, nil
}

// readPEM reads the one PEM block of a key file of at most
// maxKeyFileBytes. The file's bytes are cleared once decoded: for a plain
// key they hold the key.
func readPEM(path string) (*pem.Block, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("trust: read key: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileBytes+1))
	defer clear(data)
	if err != nil {
		return nil, fmt.Errorf("trust: read key %s: %w", path, err)
	}
	if len(data) > maxKeyFileBytes {
		return nil, fmt.Errorf("trust: read key %s: more than %d bytes: not a key file", path, maxKeyFileBytes)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("trust: read key %s: no PEM block", path)
	}
	return block, nil
}

// KeyID returns the TUF key ID of pub: the SHA-256 of the key's canonical
// JSON form, as go-tuf computes it and as it appears in root.json.
func KeyID(pub crypto.PublicKey) (string, error) {
	k, err := tufKey(pub)
	if err != nil {
		return "", err
	}
	return k.ID()
}

func tufKey(pub crypto.PublicKey) (*metadata.Key, error) {
	if pub == nil {
		return nil, errors.New("trust: missing public key")
	}
	k, err := metadata.KeyFromPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("trust: public key %T: %w", pub, err)
	}
	return k, nil
}

// signerKeyID returns the TUF key ID of the signer's public key.
func signerKeyID(s signature.Signer) (string, error) {
	if s == nil {
		return "", errors.New("trust: missing signer")
	}
	pub, err := s.PublicKey()
	if err != nil {
		return "", fmt.Errorf("trust: signer public key: %w", err)
	}
	return KeyID(pub)
}
