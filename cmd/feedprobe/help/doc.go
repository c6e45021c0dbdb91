// Package help holds the reference topics of `feedprobe help TOPIC`:
// adapters, metrics, the database schema, exit codes and the other
// reference sections that used to fill the README. Each topic is one
// markdown file in this directory, embedded in the binary, so the reference
// a user reads in the terminal is the one that ships with it and is kept
// beside the code it describes.
//
// The first line of a file is "# NAME: summary", which `feedprobe help`
// lists. The package owns only the texts, their lookup and the "did you
// mean" suggestion for a mistyped command or topic (Nearest); it imports no
// other feedprobe package (the schema topic's data dictionary is appended
// by the command, from storage).
package help
