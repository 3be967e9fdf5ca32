#pragma once

// The operator CLI of the `resonate` binary (REST v1 spec 6.3): client
// subcommands that talk to a server over HTTP (promises, schedules, tasks,
// tree, invoke) and `migrate`, which works on the local store; plus the
// top level every newcomer meets first: help, version and the list of commands.

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace resonate::cli {

/// Exit codes of every client subcommand (also listed in `--help`).
enum exit_code : int {
  exit_ok = 0,           ///< done
  exit_failed = 1,       ///< the server answered an error (or the store refused a migration)
  exit_usage = 2,        ///< bad flags or arguments
  exit_unreachable = 3,  ///< the server (or the database) cannot be reached
};

/// True when `command` (argv[1]) is one of the subcommands run() handles.
bool is_client_command(const std::string& command);

/// Runs `resonate <args...>` (args without argv[0], args[0] a client command).
/// Output goes to `out`, messages to `err`; returns an exit_code.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// Runs whatever `resonate <args...>` asks that is not the server: the client
/// commands, `help [command]`, `-h`/`--help`, `version`/`--version`, and the
/// errors of a missing or unknown command (which list every command). Returns
/// nullopt for the server's own commands (serve, dev, config-example) and for
/// arguments that start with a flag; `help serve` rewrites `args` to
/// `serve --help` and returns nullopt too. main() hands those to config::load().
std::optional<int> run_top_level(std::vector<std::string>& args, std::ostream& out,
                                 std::ostream& err);

/// The `Commands:` lines: every command of the binary with one line of help.
std::string commands_help();

/// `resonate version`: the server's version and the protocol it speaks.
std::string version_text();

}  // namespace resonate::cli
