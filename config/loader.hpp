#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"

namespace resonate::config {

/// A configuration error; the message names the offending key, flag or variable.
struct config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// What `resonate <command> ...` asked for.
struct command_line {
  std::string command;  ///< "serve" or "dev" (or "config-example", see load())
  bool help = false;    ///< --help given: print help_text() and exit 0
  config cfg;
  std::string config_file;            ///< the YAML file that was read; "" when none
  std::vector<std::string> warnings;  ///< non-fatal findings (ignored keys); log them at start
};

/// Parses `args` (without argv[0]), reading the YAML file (`-c/--config`, or
/// resonate.yaml / resonate-dev.yaml in the working directory when present) and
/// the RESONATE_* environment from `env`. `dev` defaults the SQLite path to
/// ":memory:". Throws config_error.
///
/// Precedence: defaults < YAML file < environment < flags. The hidden command
/// `config-example` is returned as is (nothing else is read): print example_yaml().
/// `working_dir` is where resonate.yaml is looked for (tests pass a temporary directory).
///
/// Strictness: an unknown flag or YAML key is an error (with a "did you mean" hint), so a
/// typo never silently falls back to a default. Sections of the reference server that we
/// do not implement (ignored_keys() in descriptors.hpp: api.subsystems.grpc, aio.plugins,
/// ...) are accepted and reported in `warnings`, so a reference resonate.yaml still loads.
/// Unknown RESONATE_* variables are warnings too, as other tools may share the prefix.
/// A string map (postgres query) given by a layer replaces the lower layers' map whole.
command_line load(const std::vector<std::string>& args,
                  const std::vector<std::pair<std::string, std::string>>& env,
                  const std::string& working_dir = ".");

/// Convenience for main(): the environment of this process as name/value pairs.
std::vector<std::pair<std::string, std::string>> process_environment();

/// The defaults of a command: those of config, plus for "dev" an in-memory SQLite
/// database and sslmode=disable for PostgreSQL.
config default_config(const std::string& command);

/// The `--help` text of a command, generated from the descriptor table. For ""
/// (the top-level help) the flags of serve and dev follow a `Commands:` section
/// holding `commands` (main() passes every command; config knows only its own).
std::string help_text(const std::string& command, const std::string& commands = "");

/// " (did you mean X?)" when one candidate is close enough to `wrong` to be a
/// plausible typo; "" otherwise.
std::string suggestion(const std::string& wrong, const std::vector<std::string>& candidates);

/// A resonate.yaml listing every key with its default and help, generated from the
/// descriptor table (`resonate config-example`; the repository's resonate.yaml.example).
std::string example_yaml();

}  // namespace resonate::config
