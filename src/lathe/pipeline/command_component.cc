#include "lathe/pipeline/command_component.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>

#include "lathe/core/fs.h"
#include "lathe/core/json_depth.h"
#include "lathe/core/strings.h"

extern char** environ;

namespace lathe::pipeline {

namespace fs = std::filesystem;

Result<std::vector<std::filesystem::path>> CommandComponent::ExternalInputs(
    const NodeSpec& node, const std::filesystem::path& base_dir) const {
  std::vector<std::filesystem::path> out;
  for (const auto& file : node.code) {
    std::filesystem::path p(file);
    out.push_back(p.is_absolute() ? p : base_dir / p);
  }
  return out;
}

Status CommandComponent::Prepare(NodeSpec& node, const SourceMap& source,
                                 const std::string& field) const {
  if (node.command.empty())
    return source.Error(field, "a command node needs `command` (the program and its arguments)");
  for (const auto& [name, type] : node.outputs) {
    if (name.empty() || name.find_first_of("/.") != std::string::npos)
      return source.Error(field + ".outputs." + name,
                          "output names may not be empty or hold '/' or '.'");
  }
  return Status::Ok();
}

namespace {

std::string EnvName(const std::string& prefix, const std::string& name) {
  std::string out = prefix;
  for (char c : name)
    out += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::toupper(c)) : '_';
  return out;
}

std::string JoinPaths(const std::vector<InputArtifact>& inputs) {
  std::string out;
  for (const auto& a : inputs) out += (out.empty() ? "" : ":") + a.uri;
  return out;
}

// Replaces ${inputs.X}, ${outputs.X} and ${params_file} in one argument.
Result<std::string> Substitute(const std::string& arg, const ExecutionRequest& r,
                               const fs::path& params_file) {
  std::string out;
  for (size_t i = 0; i < arg.size();) {
    if (arg.compare(i, 3, "$${") == 0) {  // a literal ${ (see the spec's Resolver)
      out += "${";
      i += 3;
      continue;
    }
    if (arg.compare(i, 2, "${") != 0) {
      out += arg[i++];
      continue;
    }
    size_t end = arg.find('}', i);
    if (end == std::string::npos)
      return InvalidArgumentError(fmt::format("unterminated '${{' in '{}'", arg));
    std::string ref = arg.substr(i + 2, end - i - 2);
    if (ref == "params_file") {
      out += params_file.string();
    } else if (StartsWith(ref, "inputs.")) {
      auto it = r.inputs.find(ref.substr(7));
      if (it == r.inputs.end())
        return InvalidArgumentError(
            fmt::format("command refers to unknown input '{}'", ref.substr(7)));
      out += JoinPaths(it->second);
    } else if (StartsWith(ref, "outputs.")) {
      auto it = r.output_dirs.find(ref.substr(8));
      if (it == r.output_dirs.end())
        return InvalidArgumentError(
            fmt::format("command refers to unknown output '{}'", ref.substr(8)));
      out += it->second.string();
    } else {
      return InvalidArgumentError(fmt::format("unknown reference ${{{}}} in the command", ref));
    }
    i = end + 1;
  }
  return out;
}

}  // namespace

Status CommandComponent::Execute(const ExecutionRequest& r, ExecutionResult&) const {
  const fs::path params_file = r.staging_dir / "lathe_params.json";
  nlohmann::json inputs = nlohmann::json::object(), outputs = nlohmann::json::object();
  for (const auto& [name, list] : r.inputs) {
    inputs[name] = nlohmann::json::array();
    for (const auto& a : list) inputs[name].push_back(a.uri);
  }
  for (const auto& [name, dir] : r.output_dirs) outputs[name] = dir.string();
  LATHE_RETURN_IF_ERROR(WriteJsonFile(params_file, {{"parameters", r.parameters},
                                                    {"inputs", inputs},
                                                    {"outputs", outputs},
                                                    {"run_id", r.run_id},
                                                    {"node", r.node}}));
  std::vector<std::string> argv;
  for (const auto& arg : *r.command) {
    LATHE_ASSIGN_OR_RETURN(std::string a, Substitute(arg, r, params_file));
    argv.push_back(std::move(a));
  }
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e)
    if (!StartsWith(*e, "LATHE_")) env.emplace_back(*e);
  env.push_back("LATHE_PARAMS_FILE=" + params_file.string());
  env.push_back("LATHE_RUN_ID=" + r.run_id);
  env.push_back("LATHE_NODE=" + r.node);
  // The node's share of the threads: for the step's own pools (LATHE_THREADS) and OpenMP
  // (scikit-learn, XGBoost in Python), unless the environment already says otherwise.
  env.push_back("LATHE_THREADS=" + std::to_string(r.threads));
  if (std::getenv("OMP_NUM_THREADS") == nullptr &&
      (r.env == nullptr || !r.env->count("OMP_NUM_THREADS")))
    env.push_back("OMP_NUM_THREADS=" + std::to_string(r.threads));
  if (!r.reproduction_of.empty()) env.push_back("LATHE_REPRODUCTION_OF=" + r.reproduction_of);
  // The lathe executable, for steps that call back (`lathe transform apply`, say): LATHE_BIN as
  // the CLI sets it, else this process.
  if (const char* bin = std::getenv("LATHE_BIN"); bin != nullptr && *bin != '\0') {
    env.push_back(std::string("LATHE_BIN=") + bin);
  } else {
    std::error_code ec;
    auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) env.push_back("LATHE_BIN=" + self.string());
  }
  for (const auto& [name, list] : r.inputs)
    env.push_back(EnvName("LATHE_INPUT_", name) + "=" + JoinPaths(list));
  for (const auto& [name, dir] : r.output_dirs)
    env.push_back(EnvName("LATHE_OUTPUT_", name) + "=" + dir.string());
  for (auto it = r.parameters.begin(); it != r.parameters.end(); ++it)
    env.push_back(EnvName("LATHE_PARAM_", it.key()) + "=" +
                  (it.value().is_string() ? it.value().get<std::string>() : JsonText(it.value())));
  if (r.env != nullptr)
    for (const auto& [k, v] : *r.env) env.push_back(k + "=" + v);
  return RunProcess(argv, env, r.base_dir, r.log_path, r.timeout_s, r.cancelled);
}

Status RunProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                  const fs::path& cwd, const fs::path& log_path, double timeout_s,
                  const std::atomic<bool>* cancelled) {
  int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0)
    return DataLossError(
        fmt::format("cannot open log {}: {}", log_path.string(), std::strerror(errno)));
  std::vector<char*> cargv, cenv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (const auto& e : env) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);

  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    return UnavailableError(fmt::format("fork failed: {}", std::strerror(errno)));
  }
  if (pid == 0) {
    setpgid(0, 0);
    // The step dies with the runner (even kill -9 of it); if the runner is already gone, now.
    // Steps' own children are stopped by recovery (StopStepProcesses).
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(125);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    if (chdir(cwd.c_str()) != 0) _exit(126);
    execvpe(cargv[0], cargv.data(), cenv.data());
    dprintf(2, "lathe: cannot run %s: %s\n", cargv[0], std::strerror(errno));
    _exit(127);
  }
  setpgid(pid, pid);  // also here, so that a kill of the group never races the child's own call
  close(log_fd);

  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  auto start = std::chrono::steady_clock::now();
  Status stop;  // set when we end the process ourselves
  bool signalled = false;
  auto deadline_kill = std::chrono::steady_clock::time_point::max();
  int status = 0;
  while (true) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    auto now = std::chrono::steady_clock::now();
    double elapsed = std::chrono::duration<double>(now - start).count();
    if (!signalled && cancelled != nullptr && cancelled->load()) {
      stop = Status(StatusCode::kCancelled, "cancelled");
    } else if (!signalled && timeout_s > 0 && elapsed > timeout_s) {
      stop =
          Status(StatusCode::kDeadlineExceeded, fmt::format("timed out after {:g} s", timeout_s));
    }
    if (!stop.ok() && !signalled) {
      kill(-pid, SIGTERM);
      signalled = true;
      deadline_kill = now + std::chrono::seconds(5);
    }
    if (signalled && now > deadline_kill) kill(-pid, SIGKILL);
    // Wake when the child exits (pidfd readable), or every 50 ms to check cancel and timeout.
    if (pidfd >= 0) {
      pollfd p{pidfd, POLLIN, 0};
      poll(&p, 1, 50);
    } else {
      usleep(2000);
    }
  }
  if (pidfd >= 0) close(pidfd);
  if (!stop.ok()) return stop;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::Ok();
  if (WIFEXITED(status))
    return FailedPreconditionError(fmt::format("{} exited with status {} (log: {})", argv[0],
                                               WEXITSTATUS(status), log_path.string()));
  return FailedPreconditionError(fmt::format("{} was killed by signal {} (log: {})", argv[0],
                                             WTERMSIG(status), log_path.string()));
}

}  // namespace lathe::pipeline
