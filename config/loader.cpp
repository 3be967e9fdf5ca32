#include "config/loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iterator>
#include <map>
#include <optional>
#include <set>

#include "config/descriptors.hpp"

extern char** environ;  // POSIX; declared here rather than pulling in <unistd.h>

namespace resonate::config {

namespace {

namespace fs = std::filesystem;

std::string to_lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string suggestion(const std::string& wrong, const std::vector<std::string>& candidates) {
  const std::string w = to_lower(wrong);
  std::string best;
  size_t best_d = std::max<size_t>(2, w.size() / 4) + 1;
  for (const auto& c : candidates) {
    const size_t d = edit_distance(w, to_lower(c));
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best.empty() ? "" : " (did you mean " + best + "?)";
}

namespace {

bool is_command(const std::string& c) { return c == "serve" || c == "dev"; }

std::string default_file_name(const std::string& command) {
  return command == "dev" ? "resonate-dev.yaml" : "resonate.yaml";
}

// ---- flags -----------------------------------------------------------------------------

struct flag_value {
  const descriptor* d;
  std::string flag;  // as written, e.g. "--api-size"
  std::string value;
};

struct parsed_args {
  std::string command;
  bool help = false;
  std::optional<std::string> config_path;
  std::vector<flag_value> values;
};

parsed_args parse_args(const std::vector<std::string>& args) {
  std::map<std::string, const descriptor*> by_flag;
  std::vector<std::string> all_flags = {"--config", "--help"};
  for (const auto& d : descriptors()) {
    for (const auto& f : d.flags) {
      by_flag["--" + f] = &d;
      all_flags.push_back("--" + f);
    }
  }
  parsed_args out;
  size_t i = 0;
  if (!args.empty() && !args[0].empty() && args[0][0] != '-') out.command = args[i++];
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.size() < 2 || a[0] != '-') {
      throw config_error("unexpected argument \"" + a + "\"" +
                         (out.command.empty() ? "" : " after the command " + out.command));
    }
    std::string name = a;
    std::optional<std::string> inline_value;
    if (const size_t eq = a.find('='); eq != std::string::npos) {
      name = a.substr(0, eq);
      inline_value = a.substr(eq + 1);
    }
    auto take_value = [&]() -> std::string {
      if (inline_value) return *inline_value;
      if (i + 1 >= args.size()) throw config_error("flag " + name + " needs a value");
      return args[++i];
    };
    if (name == "-h" || name == "--help") {
      // Help is a boolean like any other; "--help=false" is accepted and means no help.
      out.help = inline_value ? (to_lower(*inline_value) != "false") : true;
    } else if (name == "-c" || name == "--config") {
      out.config_path = take_value();
      if (out.config_path->empty()) throw config_error("flag " + name + " needs a file name");
    } else if (auto it = by_flag.find(name); it != by_flag.end()) {
      // Booleans never consume the next argument: `--x` alone means true.
      const bool is_bool = it->second->type == value_type::boolean;
      std::string value = is_bool ? inline_value.value_or("true") : take_value();
      out.values.push_back({it->second, name, std::move(value)});
    } else {
      throw config_error("unknown flag " + name + suggestion(name, all_flags));
    }
  }
  return out;
}

// ---- YAML ------------------------------------------------------------------------------

std::string line_of(const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  return m.line >= 0 ? " (line " + std::to_string(m.line + 1) + ")" : "";
}

class yaml_loader {
 public:
  yaml_loader(config& cfg, std::string file, std::vector<std::string>& warnings)
      : cfg_(cfg), file_(std::move(file)), warnings_(warnings) {
    for (const auto& d : descriptors()) {
      const std::string k = to_lower(d.key);
      by_key_[k] = &d;
      all_keys_.push_back(d.key);
      // Every proper prefix of a key is a section we descend into.
      for (size_t dot = k.find('.'); dot != std::string::npos; dot = k.find('.', dot + 1)) {
        sections_.insert(k.substr(0, dot));
      }
    }
    for (const auto& k : ignored_keys()) ignored_.push_back(to_lower(k));
  }

  void load(const YAML::Node& root) {
    if (root.IsNull()) return;  // an empty file is fine
    if (!root.IsMap()) throw config_error(file_ + ": the top level must be a mapping of keys");
    walk(root, "");
  }

 private:
  bool is_ignored(const std::string& lower_key) const {
    for (const auto& ig : ignored_) {
      if (lower_key == ig || lower_key.rfind(ig + ".", 0) == 0) return true;
    }
    return false;
  }

  void walk(const YAML::Node& node, const std::string& prefix) {
    for (const auto& kv : node) {
      if (!kv.first.IsScalar()) {
        throw config_error(file_ + ": keys must be plain names" + line_of(kv.first));
      }
      const std::string key = prefix.empty() ? kv.first.Scalar() : prefix + "." + kv.first.Scalar();
      const std::string lower = to_lower(key);
      const YAML::Node& value = kv.second;
      if (auto it = by_key_.find(lower); it != by_key_.end()) {
        apply(*it->second, value, key + " in " + file_ + line_of(kv.first));
      } else if (is_ignored(lower)) {
        warnings_.push_back(file_ + ": ignoring " + key + ": not implemented by this server");
      } else if (sections_.count(lower)) {
        if (value.IsNull()) continue;  // "system:" with nothing under it
        if (!value.IsMap()) {
          throw config_error(file_ + ": " + key + " must be a mapping of keys" + line_of(kv.first));
        }
        walk(value, key);
      } else {
        throw config_error(file_ + ": unknown key " + key + line_of(kv.first) +
                           suggestion(key, all_keys_));
      }
    }
  }

  void apply(const descriptor& d, const YAML::Node& v, const std::string& where) {
    if (d.type == value_type::string_map) {
      if (v.IsNull()) return d.set_map(cfg_, {}, where);
      if (v.IsScalar()) return d.set(cfg_, v.Scalar(), where);
      if (!v.IsMap()) throw config_error("invalid value for " + where + ": expected a mapping");
      std::map<std::string, std::string> m;
      for (const auto& kv : v) {
        if (!kv.first.IsScalar() || !(kv.second.IsScalar() || kv.second.IsNull())) {
          throw config_error("invalid value for " + where + ": expected a mapping of plain values");
        }
        m[kv.first.Scalar()] = kv.second.IsNull() ? "" : kv.second.Scalar();
      }
      return d.set_map(cfg_, m, where);
    }
    if (d.type == value_type::string_list && v.IsSequence() && d.item_from_map) {
      // A list of objects ({name, type, data: {...}}): each item is flattened one level
      // and spelled as its flag form, so YAML, env and flags share one parser.
      std::string joined;
      for (const auto& item : v) {
        if (!item.IsMap()) throw config_error("invalid value for " + where + ": expected a list of mappings");
        std::map<std::string, std::string> m;
        for (const auto& kv : item) {
          if (!kv.first.IsScalar()) throw config_error("invalid value for " + where + ": keys must be plain names");
          if (kv.second.IsMap()) {
            for (const auto& inner : kv.second) {
              if (!inner.first.IsScalar() || !inner.second.IsScalar()) {
                throw config_error("invalid value for " + where + ": expected plain values under " + kv.first.Scalar());
              }
              m[kv.first.Scalar() + "." + inner.first.Scalar()] = inner.second.Scalar();
            }
          } else if (kv.second.IsScalar()) {
            m[kv.first.Scalar()] = kv.second.Scalar();
          } else if (!kv.second.IsNull()) {
            throw config_error("invalid value for " + where + ": unexpected value under " + kv.first.Scalar());
          }
        }
        const std::string one = d.item_from_map(m, where);
        if (one.find(',') != std::string::npos) {
          throw config_error("invalid value for " + where + ": values must not contain ','");
        }
        joined += (joined.empty() ? "" : ",") + one;
      }
      return d.set(cfg_, joined, where);
    }
    if (d.type == value_type::string_list && v.IsSequence()) {
      std::string joined;
      for (const auto& item : v) {
        if (!item.IsScalar() || item.Scalar().find(',') != std::string::npos) {
          throw config_error("invalid value for " + where + ": expected a list of plain values");
        }
        joined += (joined.empty() ? "" : ",") + item.Scalar();
      }
      return d.set(cfg_, joined, where);
    }
    if (v.IsNull()) {
      // "url:" with no value reads as an empty string; other types need a value.
      if (d.type == value_type::string_list) return d.set(cfg_, "", where);
      if (d.type == value_type::string) return d.set(cfg_, "", where);
      throw config_error("missing value for " + where);
    }
    if (!v.IsScalar()) throw config_error("invalid value for " + where + ": expected a single value");
    d.set(cfg_, v.Scalar(), where);
  }

  config& cfg_;
  std::string file_;
  std::vector<std::string>& warnings_;
  std::map<std::string, const descriptor*> by_key_;
  std::set<std::string> sections_;
  std::vector<std::string> ignored_;
  std::vector<std::string> all_keys_;
};

void load_yaml_file(config& cfg, const fs::path& path, const std::string& label,
                    std::vector<std::string>& warnings) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path.string());
  } catch (const YAML::BadFile&) {
    throw config_error(label + ": cannot read the file");
  } catch (const YAML::Exception& e) {
    // yaml-cpp's message carries the line and column already.
    throw config_error(label + ": " + e.what());
  }
  try {
    yaml_loader(cfg, label, warnings).load(root);
  } catch (const YAML::Exception& e) {
    throw config_error(label + ": " + e.what());
  }
}

// ---- environment -----------------------------------------------------------------------

void load_env(config& cfg, const std::vector<std::pair<std::string, std::string>>& env,
              std::vector<std::string>& warnings) {
  std::map<std::string, std::string> vars;
  for (const auto& [k, v] : env) vars[k] = v;
  std::set<std::string> known;
  for (const auto& d : descriptors()) {
    std::optional<std::pair<std::string, std::string>> found;
    for (const auto& name : d.env) {
      known.insert(name);
      auto it = vars.find(name);
      if (it == vars.end()) continue;
      if (found && found->second != it->second) {
        throw config_error("environment variables " + found->first + " and " + name +
                           " set the same option to different values");
      }
      found.emplace(name, it->second);
    }
    if (found) d.set(cfg, found->second, "environment variable " + found->first);
  }
  // Unknown RESONATE_* variables are probably typos, but other tools (SDKs, scripts) may
  // share the prefix, so they are warnings, not errors.
  for (const auto& [k, v] : vars) {
    if (k.rfind("RESONATE_", 0) == 0 && !known.count(k)) {
      warnings.push_back("ignoring environment variable " + k + ": not a configuration option");
    }
  }
}

// ---- flags, applied last ---------------------------------------------------------------

void apply_flags(config& cfg, const std::vector<flag_value>& values) {
  // A repeated map flag accumulates ("--aio-store-postgres-query a=1 --...-query b=2") and
  // replaces the map of the lower layers as a whole; other flags: the last one wins.
  std::map<const descriptor*, std::pair<std::string, std::map<std::string, std::string>>> maps;
  // A repeated list flag accumulates too ("--x a --x b" is "--x a,b").
  std::map<const descriptor*, std::pair<std::string, std::string>> lists;
  for (const auto& fv : values) {
    if (fv.d->type == value_type::string_list) {
      auto& [flag, joined] = lists[fv.d];
      flag = fv.flag;
      joined += (joined.empty() ? "" : ",") + fv.value;
    } else if (fv.d->type == value_type::string_map) {
      auto& [flag, m] = maps[fv.d];
      flag = fv.flag;
      for (auto& [k, v] : parse_string_map(fv.value, "flag " + fv.flag)) m[k] = v;
    } else {
      fv.d->set(cfg, fv.value, "flag " + fv.flag);
    }
  }
  for (const auto& [d, fm] : maps) d->set_map(cfg, fm.second, "flag " + fm.first);
  for (const auto& [d, fl] : lists) d->set(cfg, fl.second, "flag " + fl.first);
}

void validate(const config& cfg) {
  if (cfg.store == store_kind::sqlite && !cfg.sqlite.enabled) {
    throw config_error(
        "no store enabled: aio.subsystems.store.sqlite.enabled is false and "
        "aio.subsystems.store.postgres.enabled is not true");
  }
}

// ---- rendering -------------------------------------------------------------------------

std::string yaml_quote(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

std::string yaml_value(const descriptor& d, const config& cfg) {
  switch (d.type) {
    case value_type::string:
      return yaml_quote(d.get(cfg));
    case value_type::string_map: {
      const auto m = d.get_map(cfg);
      if (m.empty()) return "{}";
      std::string out = "{";
      for (const auto& [k, v] : m) out += (out.size() > 1 ? ", " : "") + k + ": " + yaml_quote(v);
      return out + "}";
    }
    case value_type::string_list: {
      std::string out = "[";
      const std::string joined = d.get(cfg);
      size_t start = 0;
      while (!joined.empty() && start <= joined.size()) {
        const size_t end = std::min(joined.find(',', start), joined.size());
        out += (out.size() > 1 ? ", " : "") + yaml_quote(joined.substr(start, end - start));
        start = end + 1;
      }
      return out + "]";
    }
    default:
      return d.get(cfg);
  }
}

std::string help_default(const descriptor& d, const config& cfg) {
  if (d.type == value_type::string || d.type == value_type::string_map ||
      d.type == value_type::string_list) {
    return "\"" + d.get(cfg) + "\"";
  }
  return d.get(cfg);
}

// A tree of key segments in first-seen order, for example_yaml().
struct key_node {
  std::string name;
  const descriptor* leaf = nullptr;
  std::vector<key_node> children;
};

void emit(const key_node& n, const config& cfg, int depth, std::string& out) {
  const std::string indent(static_cast<size_t>(std::max(depth, 0)) * 2, ' ');
  if (n.leaf) {
    const descriptor& d = *n.leaf;
    out += indent + "# " + d.help + "\n";
    out += indent + "# flag: --" + d.flags.front();
    if (!d.placeholder.empty()) out += " " + d.placeholder;
    out += "; env: ";
    for (size_t i = 0; i < d.env.size(); ++i) out += (i ? ", " : "") + d.env[i];
    out += "\n" + indent + n.name + ": " + yaml_value(d, cfg) + "\n";
    return;
  }
  if (depth >= 0) out += indent + n.name + ":\n";
  for (const auto& c : n.children) emit(c, cfg, depth + 1, out);
}

}  // namespace

config default_config(const std::string& command) {
  config cfg;
  if (command == "dev") {
    cfg.sqlite.path = ":memory:";
    cfg.debug = true;  // protocol 2026's debug.* kinds, as the reference's dev server
    cfg.postgres.query = {{"sslmode", "disable"}};
  }
  return cfg;
}

command_line load(const std::vector<std::string>& args,
                  const std::vector<std::pair<std::string, std::string>>& env,
                  const std::string& working_dir) {
  command_line out;
  if (!args.empty() && args[0] == "config-example") {
    out.command = args[0];
    return out;
  }
  parsed_args parsed = parse_args(args);
  out.command = parsed.command;
  out.help = parsed.help;
  if (!out.command.empty() && !is_command(out.command)) {
    throw config_error("unknown command \"" + out.command +
                       "\": expected serve or dev (`resonate help` lists every command)");
  }
  out.cfg = default_config(out.command);
  // --help must work even when the config file or environment is broken.
  if (out.help) return out;
  if (out.command.empty()) throw config_error("missing command: expected serve or dev");

  const fs::path dir = working_dir.empty() ? fs::path(".") : fs::path(working_dir);
  if (parsed.config_path) {
    fs::path p = *parsed.config_path;
    if (p.is_relative()) p = dir / p;
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) {
      throw config_error("config file " + *parsed.config_path +
                         " (given with -c/--config) does not exist");
    }
    out.config_file = p.string();
    load_yaml_file(out.cfg, p, *parsed.config_path, out.warnings);
  } else {
    const fs::path p = dir / default_file_name(out.command);
    std::error_code ec;
    if (fs::exists(p, ec)) {
      out.config_file = p.string();
      load_yaml_file(out.cfg, p, default_file_name(out.command), out.warnings);
    }
  }
  load_env(out.cfg, env, out.warnings);
  apply_flags(out.cfg, parsed.values);
  validate(out.cfg);
  return out;
}

std::vector<std::pair<std::string, std::string>> process_environment() {
  std::vector<std::pair<std::string, std::string>> out;
  for (char** e = environ; e && *e; ++e) {
    const std::string kv = *e;
    const size_t eq = kv.find('=');
    if (eq != std::string::npos) out.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return out;
}

std::string help_text(const std::string& command, const std::string& commands) {
  const bool dev = command == "dev";
  const std::string cmd = dev ? "dev" : "serve";
  const config defaults = default_config(cmd);
  std::string out;
  if (is_command(command)) {
    out += "Usage: resonate " + cmd + " [flags]\n\n";
    out += dev ? "Start the Resonate server for development (in-memory SQLite by default).\n"
               : "Start the Resonate server.\n";
  } else {
    out += "Usage: resonate <command> [flags]\n";
    if (!commands.empty()) out += "\nCommands:\n" + commands;
    out += "\nThe flags below are those of serve and dev.\n";
  }
  out += "\nConfiguration precedence: defaults < " + default_file_name(cmd) +
         " (or -c file) < environment < flags.\n"
         "Durations are Go durations (10s, 1m, 1h30m, 250ms) or integer milliseconds.\n"
         "\nFlags:\n"
         "  -c, --config string\n"
         "        config file (default: " +
         default_file_name(cmd) + " in the working directory, when present)\n"
         "  -h, --help\n"
         "        print this help\n";
  for (const auto& d : descriptors()) {
    out += "     ";
    for (size_t i = 0; i < d.flags.size(); ++i) out += (i ? ", --" : " --") + d.flags[i];
    if (!d.placeholder.empty()) out += " " + d.placeholder;
    if (d.type == value_type::string_map || d.type == value_type::string_list) {
      out += " (repeatable)";
    }
    out += "\n        " + d.help + " (default " + help_default(d, defaults) + ")\n";
    out += "        yaml: " + d.key + "\n        env:  ";
    for (size_t i = 0; i < d.env.size(); ++i) out += (i ? ", " : "") + d.env[i];
    out += "\n";
  }
  return out;
}

std::string example_yaml() {
  key_node root;
  for (const auto& d : descriptors()) {
    key_node* n = &root;
    size_t start = 0;
    while (true) {
      const size_t dot = d.key.find('.', start);
      const std::string seg = d.key.substr(start, dot == std::string::npos ? dot : dot - start);
      auto it = std::find_if(n->children.begin(), n->children.end(),
                             [&](const key_node& c) { return c.name == seg; });
      if (it == n->children.end()) {
        n->children.push_back({seg, nullptr, {}});
        it = std::prev(n->children.end());
      }
      n = &*it;
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    n->leaf = &d;
  }
  std::string out =
      "# resonate.yaml: every option with its default, generated from config/descriptors.cpp\n"
      "# (`resonate config-example`). Keys match ignoring case. `resonate dev` reads\n"
      "# resonate-dev.yaml instead and defaults the SQLite path to :memory:.\n"
      "# Precedence: defaults < this file < environment < flags.\n\n";
  emit(root, config{}, -1, out);
  return out;
}

}  // namespace resonate::config
