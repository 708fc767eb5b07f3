package trust

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// GenerateKey writes a new ed25519 key pair to dir: <name>.key holds the
// private key (PKCS#8 PEM, mode 0600) and <name>.pub the public key (PKIX
// PEM). It refuses to overwrite either file: losing a key that root trusts
// means a root rotation.
func GenerateKey(dir, name string) error {
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return fmt.Errorf("trust: generate key: invalid key name %q", name)
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("trust: generate key %s: %w", name, err)
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return fmt.Errorf("trust: generate key %s: %w", name, err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return fmt.Errorf("trust: generate key %s: %w", name, err)
	}
	privPath := filepath.Join(dir, name+".key")
	pubPath := filepath.Join(dir, name+".pub")
	for _, p := range []string{privPath, pubPath} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("trust: generate key: %s already exists", p)
		}
	}
	if err := writeNew(privPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}), 0o600); err != nil {
		return fmt.Errorf("trust: generate key: %w", err)
	}
	if err := writeNew(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644); err != nil {
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

// LoadSigner reads an ed25519 private key written by GenerateKey.
func LoadSigner(path string) (signature.Signer, error) {
	block, err := readPEM(path, "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("trust: load signer %s: %w", path, err)
	}
	priv, ok := key.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("trust: load signer %s: %T is not an ed25519 key", path, key)
	}
	s, err := signature.LoadED25519Signer(priv)
	if err != nil {
		return nil, fmt.Errorf("trust: load signer %s: %w", path, err)
	}
	return s, nil
}

// LoadPublicKey reads an ed25519 public key written by GenerateKey.
func LoadPublicKey(path string) (crypto.PublicKey, error) {
	block, err := readPEM(path, "PUBLIC KEY")
	if err != nil {
		return nil, err
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

func readPEM(path, typ string) (*pem.Block, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("trust: read key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("trust: read key %s: no PEM block", path)
	}
	if block.Type != typ {
		return nil, fmt.Errorf("trust: read key %s: PEM type %q, want %q", path, block.Type, typ)
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
