package db

// HashCommands are the commands of Redis's hash group.
var HashCommands = []Command{}
