#include "lathe/orchestrate/detail/slurm_jobs.h"

#include <map>
#include <set>
#include <sstream>

#include "lathe/core/strings.h"
#include "lathe/core/subprocess.h"

namespace lathe::orchestrate::detail {

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

bool Terminal(const std::string& state) {
  static const std::set<std::string> kEnded = {
      "COMPLETED", "FAILED",        "CANCELLED", "TIMEOUT",  "NODE_FAIL",
      "PREEMPTED", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE", "REVOKED"};
  return kEnded.count(state) > 0;
}

void QueryStates(std::vector<Job>& jobs) {
  std::string ids;
  for (const auto& j : jobs)
    if (!Terminal(j.state)) ids += (ids.empty() ? "" : ",") + j.id;
  if (ids.empty()) return;
  std::map<std::string, std::pair<std::string, std::string>> seen;
  auto q = RunProgram(
      {"squeue", "--noheader", "--states=all", "--array", "--format=%i|%T|%r", "--jobs=" + ids});
  if (q.exit_code == 0) {
    std::istringstream lines(q.output);
    for (std::string line; std::getline(lines, line);) {
      auto parts = Split(line, '|');
      if (parts.size() >= 3)
        seen[std::string(Trim(parts[0]))] = {std::string(Trim(parts[1])),
                                             std::string(Trim(parts[2]))};
    }
  }
  for (auto& j : jobs) {
    if (Terminal(j.state)) continue;
    auto it = seen.find(j.id);
    if (it != seen.end()) {
      j.state = it->second.first;
      j.reason = it->second.second;
      continue;
    }
    // Gone from the controller's memory: ask the accounting (or job completion) records.
    auto a = RunProgram({"sacct", "--noheader", "--parsable2", "--allocations",
                         "--format=JobID,State", "--jobs=" + j.id});
    if (a.exit_code != 0)  // no accounting database: the job completion log
      a = RunProgram({"sacct", "--completion", "--noheader", "--parsable2", "--format=JobID,State",
                      "--jobs=" + j.id});
    if (a.exit_code != 0) continue;
    std::istringstream lines(a.output);
    for (std::string line; std::getline(lines, line);) {
      auto parts = Split(line, '|');
      if (parts.size() >= 2 && Trim(parts[0]) == j.id) {
        std::string st(Trim(parts[1]));
        j.state = st.substr(0, st.find(' '));  // "CANCELLED by 0"
      }
    }
  }
}

Result<std::string> SubmitBatchJob(const std::vector<std::string>& options,
                                   const Placement& placement,
                                   const std::filesystem::path& script) {
  std::vector<std::string> argv = {"sbatch", "--parsable"};
  argv.insert(argv.end(), options.begin(), options.end());
  if (!placement.partition.empty()) argv.push_back("--partition=" + placement.partition);
  if (!placement.time_limit.empty()) argv.push_back("--time=" + placement.time_limit);
  argv.insert(argv.end(), placement.extra_args.begin(), placement.extra_args.end());
  argv.push_back(script.string());
  auto r = RunProgram(argv, true);
  std::string id = r.output.substr(0, r.output.find_first_of(";\n"));
  if (r.exit_code != 0 || id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
    return UnavailableError(r.output);
  return id;
}

}  // namespace lathe::orchestrate::detail
