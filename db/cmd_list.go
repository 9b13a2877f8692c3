package db

// ListCommands are the commands of Redis's list group.
var ListCommands = []Command{}
