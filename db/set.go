package db

// Set is a set value. (Scaffolding: the set type's owner replaces
// this file.)
type Set struct{}

// encoding is OBJECT ENCODING's answer for the set.
func (x *Set) encoding() string { return "intset" }

// clone returns a deep copy, for COPY.
func (x *Set) clone() *Set { return &Set{} }
