package cache

import (
	"os"
	"sync"
)

// proofs remembers, in memory only, the objects whose bytes this Cache has
// seen verified: a download hashed while it was written (sync/fetch) and
// adopted here, or an object hashed in full by Adopt. For each it keeps the
// file's identity and metadata when the check ended, keyed by the object's
// path. Activation reads an object again unless the file at that path is
// still the same file (os.SameFile: device and inode, or volume and file
// ID on Windows) with the same size and modification time, and a proof is
// spent by the activation that uses it: an object a later release reuses,
// an object from before this Cache was opened (a previous run, another
// process) and one whose file changed are hashed in full.
//
// Re-reading an object that was just written reads the page cache, not the
// disk, so it finds nothing the streaming hash did not. What the proof
// catches: a file replaced (rename, or removed and written again), resized
// (truncated, appended to) or written to after the check (its modification
// time moves). What it does not: a write that keeps the size and puts the
// modification time back (utimes), or one that lands within the file
// system's timestamp granularity of the check (a few milliseconds on
// Linux, 2 s on FAT), or one that lands while the download is still being
// written. Only the kiosk's own user or root can write into the cache
// (objects are 0644 in 0755 folders), and either can rewrite an activated
// release's files afterwards (they are hard links to the objects) or
// replace the binary, so the re-read at activation never stopped them.
type proofs struct {
	mu sync.Mutex
	m  map[string]os.FileInfo
}

// remember records that the bytes of the file at path, as st describes
// it, were verified.
func (p *proofs) remember(path string, st os.FileInfo) {
	pinIdentity(st)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = make(map[string]os.FileInfo)
	}
	p.m[path] = st
}

// forget drops the proof for path: the object there is being removed or
// replaced.
func (p *proofs) forget(path string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.m, path)
}

// spend reports whether st, the file now at path, is the one proven
// verified, and drops the proof either way.
func (p *proofs) spend(path string, st os.FileInfo) bool {
	p.mu.Lock()
	proven, ok := p.m[path]
	delete(p.m, path)
	p.mu.Unlock()
	return ok && sameFile(proven, st)
}

// sameFile reports whether a and b describe the same regular file with
// the same size and modification time.
func sameFile(a, b os.FileInfo) bool {
	return a.Mode().IsRegular() && b.Mode().IsRegular() &&
		os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// lstat is os.Lstat with the file's identity read at once. On Windows an
// Lstat result reads its volume and file ID lazily, by path, at the first
// os.SameFile, which would compare whatever file is at the path by then.
func lstat(path string) (os.FileInfo, error) {
	st, err := os.Lstat(path)
	if err == nil {
		pinIdentity(st)
	}
	return st, err
}

// pinIdentity makes st hold its file's identity now (see lstat).
func pinIdentity(st os.FileInfo) { os.SameFile(st, st) }
