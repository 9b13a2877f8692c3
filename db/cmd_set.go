package db

// SetCommands are the commands of Redis's set group.
var SetCommands = []Command{}
