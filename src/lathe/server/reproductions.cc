#include "lathe/server/reproductions.h"

#include <fmt/format.h>

#include "lathe/core/clock.h"
#include "lathe/metadata/standard_artifacts.h"
#include "lathe/orchestrate/repro.h"

namespace lathe::server {

Reproductions::Reproductions(metadata::MetadataStore& store, std::filesystem::path artifact_root)
    : store_(store), artifact_root_(std::move(artifact_root)) {}

Reproductions::~Reproductions() {
  cancelled_ = true;
  std::list<Job> jobs;
  {
    std::lock_guard lock(mu_);
    jobs.swap(jobs_);
  }
  for (auto& j : jobs)
    if (j.thread.joinable()) j.thread.join();
}

nlohmann::json Reproductions::ToJson(const Job& j) const {
  nlohmann::json out = {{"job", j.id},
                        {"run", j.run},
                        {"state", j.state},
                        {"started_ms", j.started_ms},
                        {"finished_ms", j.finished_ms}};
  if (j.state == "done") out["report"] = j.report;
  if (j.state == "failed") out["error"] = j.error;
  return out;
}

Result<nlohmann::json> Reproductions::Start(const std::string& run) {
  LATHE_ASSIGN_OR_RETURN(auto context,
                         store_.GetContextByTypeAndName(metadata::standard::kPipelineRunContext, run));
  if (!context) return NotFoundError(fmt::format("no run '{}' (see `lathe runs list`)", run));
  std::lock_guard lock(mu_);
  for (const auto& j : jobs_)
    if (j.run == run && j.state == "running")
      return FailedPreconditionError(
          fmt::format("run {} is being reproduced already (job {})", run, j.id));
  Job& job = jobs_.emplace_front();
  job.id = next_id_++;
  job.run = run;
  job.started_ms = NowMillis();
  job.thread = std::thread([this, &job] {
    orchestrate::RunOptions o;
    o.artifact_root = artifact_root_;
    auto report = orchestrate::ReproduceRun(store_, job.run, o, &cancelled_);
    std::lock_guard done(mu_);
    job.finished_ms = NowMillis();
    if (report.ok()) {
      job.state = "done";
      job.report = orchestrate::ReproReportToJson(*report);
    } else {
      job.state = "failed";
      job.error = report.status().message();
    }
  });
  return ToJson(job);
}

nlohmann::json Reproductions::Jobs(const std::string& run) const {
  std::lock_guard lock(mu_);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& j : jobs_)
    if (j.run == run) out.push_back(ToJson(j));
  return out;
}

}  // namespace lathe::server
