package main

// #include <malloc.h>
import "C"

// glibc's malloc serves Mesa's software renderer, which allocates and
// frees a full-screen buffer or texture for every slide. By default glibc
// raises its mmap threshold after such frees, so later buffers come from
// heap arenas that fragment and are not given back, and it keeps up to
// eight arenas a core: the player's memory then grows with each new
// publication. A fixed threshold (buffers of 128 KiB and more are mapped
// and unmapped on their own) and two arenas keep it flat.
func init() {
	C.mallopt(C.M_MMAP_THRESHOLD, 128<<10)
	C.mallopt(C.M_ARENA_MAX, 2)
}
