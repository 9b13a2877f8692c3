// Package memfs is an in-memory persistence.FS for tests: it keeps what a
// real disk would keep after a power cut apart from what it would not, so a
// test can crash the file system at any moment (Crash) and check what a
// restart finds. It can also make the Nth write, sync, rename or create
// fail (Inject).
//
// # The crash model
//
// A file's bytes are durable up to its last Sync; bytes written after it
// survive a crash only in part: a random prefix of them (the kernel may
// have written back some pages, never a hole in the middle). A directory's
// entries (a creation, a rename, a removal) are durable only once the
// directory has been synced with SyncDir after them; before that, a crash
// leaves the entries as the last SyncDir saw them, pointing at whatever
// those files durably held. Directories made by MkdirAll are durable at
// once. This is the model of pebble's vfs.MemFS crash clone.
//
// The randomness comes from the seed given to New; a test logs it, so a
// failure can be replayed.
//
// An FS is safe for concurrent use: a crash can be taken while a writer
// goroutine is in the middle of its work.
package memfs
