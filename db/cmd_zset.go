package db

// ZSetCommands are the commands of Redis's zset group.
var ZSetCommands = []Command{}
