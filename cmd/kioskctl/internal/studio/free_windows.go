package studio

import "golang.org/x/sys/windows"

// freeBytes is the space free to this user on the volume of dir, or 0
// when it cannot be told.
func freeBytes(dir string) uint64 {
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return 0
	}
	var free uint64
	if windows.GetDiskFreeSpaceEx(p, &free, nil, nil) != nil {
		return 0
	}
	return free
}
