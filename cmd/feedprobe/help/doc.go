// Package help holds the texts feedprobe prints about itself, as markdown
// files embedded in the binary, so the reference a user reads in the
// terminal is the one that ships with it and is kept beside the code it
// describes:
//
//   - the reference topics of `feedprobe help TOPIC` (adapters, metrics,
//     the database schema, exit codes and the other reference sections that
//     used to fill the README), one file each in this directory. The first
//     line of a file is "# NAME: summary", which `feedprobe help` lists
//     (Topics, Text);
//   - the description of every command and subcommand, which its --help
//     prints above its flags and `feedprobe help COMMAND [SUBCOMMAND]`
//     prints alone: commands/NAME.md, a subcommand's name joined to its
//     command's by "-" (commands/inspection-new.md), plain text as the
//     terminal shows it (Command, CommandNames).
//
// The package owns the texts, their lookup, the layout of what `feedprobe
// help` prints (WriteUsage, and Show for a command, subcommand or topic,
// given the CLI's command table as Entry values) and the "did you mean"
// suggestion for a mistyped command or topic (Nearest); it imports no
// other feedprobe package (the schema topic's data dictionary is appended
// by the command, from storage, through Show's appendix, and the
// command's tests check that every command has its description).
package help
