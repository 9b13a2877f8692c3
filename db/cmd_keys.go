package db

// KeyCommands are the commands of Redis's generic (keyspace) group.
var KeyCommands = []Command{}
