#pragma once

// The composition root: one node of the server, built from its configuration.

#include <csignal>

#include "config/config.hpp"

namespace resonate::actors {

/// Runs a node until SIGINT or SIGTERM arrives, then drains and returns the exit
/// code. `signals` must already be blocked in every thread (block them before
/// anything starts a thread), so that this call can wait for them.
int run_node(const config::config& cfg, const sigset_t& signals);

}  // namespace resonate::actors
