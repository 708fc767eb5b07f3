package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/vnict/kiosk/internal/atomicfile"
	"github.com/vnict/kiosk/kiosk/siteconfig"
	"github.com/vnict/kiosk/sync/provision"
	"github.com/vnict/kiosk/sync/trust"
)

// Files written for a site by provision, in OUT/SITE/.
const (
	siteConfigFile = "kiosk.yaml"
	siteSecretFile = "secret.key"
	siteRootFile   = "root.json"
)

// runProvision gives a site its MinIO user and writes its folder: the
// config, made from a template, the secret key and the trusted root.
func runProvision(ctx context.Context, args []string, stdout io.Writer) error {
	fs, sf := newStoreFlags("provision")
	fs.BoolVar(&sf.secure, "secure", sf.secure, "use HTTPS (same as --https)")
	name := fs.String("name", "", "the site's display name, shown on the standby slide")
	groups := fs.String("groups", "", "comma-separated groups of the site (default: the template's)")
	template := fs.String("template", "", "site config to start from (YAML; its comments are kept)")
	out := fs.String("out", ".", "folder in which to write SITE/kiosk.yaml, SITE/secret.key and SITE/root.json")
	rootPath := fs.String("root", "", "the department's trusted root.json (written by init-repo); the site gets the newest root it leads to")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *name == "" || *template == "" || *rootPath == "" {
		return errors.New("provision: want SITE, --name NAME, --template CONFIG and --root ROOT.json")
	}
	// The site's trust starts from the department's own root, never from
	// whatever root the store offers: anyone who can write to the bucket
	// can plant a self-signed N.root.json there.
	trusted, err := os.ReadFile(*rootPath)
	if err != nil {
		return fmt.Errorf("provision: trusted root (--root): %w", err)
	}
	site := pos[0]
	if err := provision.CheckSiteID(site); err != nil {
		return fmt.Errorf("provision: %w", err)
	}
	rest, ok := strings.CutPrefix(sf.store, "s3://")
	if !ok {
		return errors.New("provision: want --store s3://BUCKET/PREFIX: sites have credentials only on an S3 store")
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	prefix = strings.Trim(prefix, "/")

	// Everything that can fail without touching the server is done first:
	// the config is made and validated, the root read.
	dir := filepath.Join(*out, site)
	configPath := filepath.Join(dir, siteConfigFile)
	config, err := siteConfig(*template, configPath, site, *name, splitList(*groups), siteconfig.Sync{
		Endpoint: sf.endpoint, Secure: &sf.secure, Bucket: bucket, Prefix: prefix,
		AccessKey: site, SecretKeyFile: siteSecretFile, Root: siteRootFile,
	})
	if err != nil {
		return err
	}
	store, err := sf.open()
	if err != nil {
		return err
	}
	root, version, err := trust.LatestRoot(ctx, store, trusted)
	if err != nil {
		return fmt.Errorf("provision: the store's root chain from %s: %w", *rootPath, err)
	}
	// The check a site makes of its root.json when it starts.
	if _, err := trust.NewClient(store, root, dir, time.Now); err != nil {
		return fmt.Errorf("provision: root version %d: %w", version, err)
	}
	p, err := provision.New(provision.Config{
		Endpoint: sf.endpoint, Secure: sf.secure, Bucket: bucket, Prefix: prefix,
		AccessKey: os.Getenv("KIOSK_S3_ACCESS_KEY"), SecretKey: os.Getenv("KIOSK_S3_SECRET_KEY"),
	})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("provision: %w", err)
	}
	creds, err := p.Provision(ctx, site)
	if err != nil {
		return err
	}
	if creds.Rotated {
		fmt.Fprintf(stdout, "user %s existed: secret rotated; the old secret no longer works, install the new %s at the site\n", site, siteSecretFile)
	} else {
		fmt.Fprintf(stdout, "user %s created on %s\n", site, sf.endpoint)
	}
	fmt.Fprintf(stdout, "policy %s attached: read s3://%s/%s tuf/ and media/, write only reports/%s/\n",
		creds.Policy, bucket, prefixFolder(prefix), site)

	secretPath := filepath.Join(dir, siteSecretFile)
	files := []struct {
		path string
		data []byte
	}{
		{secretPath, []byte(creds.SecretKey + "\n")},
		{filepath.Join(dir, siteRootFile), root},
		{configPath, config},
	}
	for _, f := range files {
		if err := atomicfile.Write(f.path, f.data); err != nil {
			return fmt.Errorf("provision site %s: write %s (re-run provision to rotate the secret again): %w", site, f.path, err)
		}
	}
	// atomicfile's temporary files are 0600 already; say so explicitly for
	// the one file that must stay private.
	if err := os.Chmod(secretPath, 0o600); err != nil {
		return fmt.Errorf("provision site %s: %w", site, err)
	}
	fmt.Fprintf(stdout, "wrote %s, %s (mode 0600; the secret key only), %s (root version %d)\n",
		configPath, secretPath, files[1].path, version)
	return nil
}

func prefixFolder(prefix string) string {
	if prefix == "" {
		return ""
	}
	return prefix + "/"
}

// siteConfig returns the template at templatePath made into the site's
// config: site ID, name and (if given) groups set, content from the sync
// cache, and the sync section. It edits the YAML tree, so the template's
// comments survive, and checks the result as the player will load it from
// configPath.
func siteConfig(templatePath, configPath, id, name string, groups []string, s siteconfig.Sync) ([]byte, error) {
	raw, err := os.ReadFile(templatePath)
	if err != nil {
		return nil, fmt.Errorf("provision: template: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("provision: template %s: %w", templatePath, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("provision: template %s: want a YAML mapping", templatePath)
	}
	top := doc.Content[0]

	siteMap := mapping(top, "site", "")
	set(siteMap, "id", str(id))
	nameNode := str(name)
	nameNode.Style = yaml.DoubleQuotedStyle
	set(siteMap, "name", nameNode)
	if len(groups) > 0 {
		seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}
		for _, g := range groups {
			seq.Content = append(seq.Content, str(g))
		}
		set(siteMap, "groups", seq)
	}

	contentMap := mapping(top, "content", "site")
	del(contentMap, "dir")
	del(contentMap, "demo")
	set(contentMap, "cache", str("cache"))

	syncMap := mapping(top, "sync", "content")
	if k := top.Content[find(top, "sync")-1]; k.HeadComment == "" {
		k.HeadComment = "Written by kioskctl provision: the site's own S3 user (secret in " + s.SecretKeyFile + ")."
	}
	set(syncMap, "endpoint", str(s.Endpoint))
	set(syncMap, "secure", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(s.HTTPS())})
	set(syncMap, "bucket", str(s.Bucket))
	set(syncMap, "prefix", str(s.Prefix))
	set(syncMap, "access_key", str(s.AccessKey))
	del(syncMap, "secret_key")
	set(syncMap, "secret_key_file", str(s.SecretKeyFile))
	set(syncMap, "root", str(s.Root))

	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("provision: config from %s: %w", templatePath, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("provision: config from %s: %w", templatePath, err)
	}
	if _, err := siteconfig.Parse(buf.Bytes(), configPath); err != nil {
		return nil, fmt.Errorf("provision: config from template %s does not load: %w", templatePath, err)
	}
	return buf.Bytes(), nil
}

func str(v string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
}

// find returns the index of key's value in the mapping m, or -1.
func find(m *yaml.Node, key string) int {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return i + 1
		}
	}
	return -1
}

// set sets key in the mapping m to v, keeping the comments of a value it
// replaces, or appends the key.
func set(m *yaml.Node, key string, v *yaml.Node) {
	if i := find(m, key); i >= 0 {
		old := m.Content[i]
		v.HeadComment, v.LineComment, v.FootComment = old.HeadComment, old.LineComment, old.FootComment
		m.Content[i] = v
		return
	}
	m.Content = append(m.Content, str(key), v)
}

// del removes key from the mapping m.
func del(m *yaml.Node, key string) {
	if i := find(m, key); i >= 0 {
		m.Content = append(m.Content[:i-1], m.Content[i+1:]...)
	}
}

// mapping returns the mapping under key in top, making it (after the key
// after, or at the end) if it is missing or not a mapping.
func mapping(top *yaml.Node, key, after string) *yaml.Node {
	if i := find(top, key); i >= 0 {
		if v := top.Content[i]; v.Kind == yaml.MappingNode {
			return v
		}
		v := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		top.Content[i] = v
		return v
	}
	v := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	at := len(top.Content)
	if i := find(top, after); i >= 0 {
		at = i + 1
	}
	top.Content = append(top.Content[:at], append([]*yaml.Node{str(key), v}, top.Content[at:]...)...)
	return v
}
