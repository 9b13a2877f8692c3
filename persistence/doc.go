// Package persistence keeps the dataset on disk in Redis's own formats: the
// append-only file (package aof: a manifest, one base file and incremental
// files of RESP commands) and the RDB snapshot (package rdb). This package
// holds what they share: the file system they write through.
//
// Durability rules: a file that replaces another is written under a
// temporary name, fsynced, renamed over the old one, and its directory is
// fsynced, so a crash at any moment leaves either the old file or the new
// one, never half of either.
package persistence
