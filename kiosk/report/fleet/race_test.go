//go:build race

package fleet

// raceEnabled: the race detector changes what allocates (sync.Pool keeps
// little), so allocation bounds are not checked under it.
const raceEnabled = true
