//go:build race

package qmp

// raceEnabled trims the corpus replay: under the race detector every
// JSON byte costs ten times more and the full corpus takes most of a
// minute.
const raceEnabled = true
