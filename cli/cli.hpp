#pragma once

// The operator CLI of the `resonate` binary (REST v1 spec 6.3): client
// subcommands that talk to a server over HTTP (promises, schedules, tasks,
// tree, invoke) and `migrate`, which works on the local store.

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

/// The lines listing the client commands, for the top-level `resonate --help`.
std::string commands_help();

}  // namespace resonate::cli
