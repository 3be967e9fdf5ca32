// resonate serve | dev [flags]: see `resonate serve --help`; the client commands
// (promises, schedules, tasks, tree, invoke, migrate) are in cli/.
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <iostream>

#include "actors/node.hpp"
#include "cli/cli.hpp"
#include "config/loader.hpp"
#include "config/log.hpp"

extern char** environ;

int main(int argc, char** argv) {
  // Client commands keep the default signal handling (Ctrl-C ends them).
  if (argc > 1 && resonate::cli::is_client_command(argv[1])) {
    std::signal(SIGPIPE, SIG_IGN);
    return resonate::cli::run({argv + 1, argv + argc}, std::cout, std::cerr);
  }
  // Block the shutdown signals before any thread exists, so every thread
  // inherits the mask and run_node() can sigwait() for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  // Every SSE stream and keep-alive client holds a descriptor: use all the
  // process may have (the hard limit), as Go's runtime does for the reference.
  if (rlimit lim{}; getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }

  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << "resonate: missing command: expected serve, dev or a client command\n\n"
              << "Client commands:\n"
              << resonate::cli::commands_help() << "Run `resonate --help` for every option.\n";
    return 2;
  }
  std::vector<std::pair<std::string, std::string>> env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv{*e};
    auto eq = kv.find('=');
    if (eq != std::string::npos) env.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }

  resonate::config::command_line cl;
  try {
    cl = resonate::config::load(args, env);
  } catch (const resonate::config::config_error& e) {
    std::cerr << "resonate: " << e.what() << "\n";
    return 2;
  }
  if (cl.command == "config-example") {
    std::cout << resonate::config::example_yaml();
    return 0;
  }
  if (cl.help) {
    std::cout << resonate::config::help_text(cl.command);
    if (cl.command.empty()) std::cout << "\nClient commands:\n" << resonate::cli::commands_help();
    return 0;
  }
  if (auto level = resonate::log::parse_level(cl.cfg.log_level)) resonate::log::set_level(*level);
  for (const auto& w : cl.warnings) resonate::log::warn("config", {{"warning", w}});
  return resonate::actors::run_node(cl.cfg, signals);
}
