//go:build !unix

package dirstore

// openNonblock is not needed where a folder cannot hold a FIFO (Windows
// keeps named pipes in their own namespace).
const openNonblock = 0
