#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace resonate::config {

/// A configuration error; the message names the offending key, flag or variable.
struct config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// What `resonate <command> ...` asked for.
struct command_line {
  std::string command;  ///< "serve" or "dev"
  bool help = false;    ///< --help given: print help_text() and exit 0
  config cfg;
};

/// Parses `args` (without argv[0]), reading the YAML file (`-c/--config`, or
/// resonate.yaml / resonate-dev.yaml in the working directory when present) and
/// the RESONATE_* environment from `env`. `dev` defaults the SQLite path to
/// ":memory:". Throws config_error.
command_line load(const std::vector<std::string>& args,
                  const std::vector<std::pair<std::string, std::string>>& env);

/// The `--help` text of a command, generated from the descriptor table.
std::string help_text(const std::string& command);

}  // namespace resonate::config
