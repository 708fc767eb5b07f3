//go:build !linux

package versitygwtest

// xattrSupported reports false outside Linux, where the tests do not check
// the filesystem: the server keeps metadata in a sidecar folder there.
func xattrSupported(string) bool { return false }
