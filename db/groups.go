package db

// Groups returns every data command table, one per Redis command group. The
// server assembles its command table from these; tests run handlers from
// them directly.
func Groups() [][]Command {
	return [][]Command{StringCommands, KeyCommands, SortCommands, ListCommands, BlockingCommands, HashCommands, SetCommands, ZSetCommands}
}
