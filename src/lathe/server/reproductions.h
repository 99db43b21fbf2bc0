// Reproductions started from the UI (POST /api/v1/runs/RUN/reproduce): each runs
// orchestrate::ReproduceRun on a thread of its own, as `lathe runs repro RUN` would, and is kept
// here with its state and report for the UI to poll. A reproduction changes nothing in
// production (see orchestrate/repro.h); its run is recorded in the store like any other.
//
// Thread-safety: every method may be called from any thread. The store must outlive this object;
// the destructor cancels running reproductions and waits for them.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <list>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "lathe/core/status.h"
#include "lathe/metadata/metadata_store.h"

namespace lathe::server {

class Reproductions {
 public:
  // Outputs go under `artifact_root`, as `lathe --artifacts DIR runs repro` puts them.
  Reproductions(metadata::MetadataStore& store, std::filesystem::path artifact_root);
  ~Reproductions();
  Reproductions(const Reproductions&) = delete;
  Reproductions& operator=(const Reproductions&) = delete;

  // Starts reproducing `run`; returns the job as Jobs lists it. NOT_FOUND for no such run;
  // FAILED_PRECONDITION while a reproduction of it is running here.
  Result<nlohmann::json> Start(const std::string& run);

  // The reproductions of `run` started here, newest first: [{"job", "run" (the original),
  // "state": "running"|"done"|"failed", "started_ms", "finished_ms", "report" (=
  // orchestrate::ReproReportToJson, when done) or "error" (when failed)}].
  nlohmann::json Jobs(const std::string& run) const;

 private:
  struct Job {
    int64_t id = 0;
    std::string run;
    std::string state = "running";
    int64_t started_ms = 0, finished_ms = 0;
    nlohmann::json report;
    std::string error;
    std::thread thread;
  };
  nlohmann::json ToJson(const Job& j) const;  // with mu_ held

  metadata::MetadataStore& store_;
  const std::filesystem::path artifact_root_;
  mutable std::mutex mu_;
  std::list<Job> jobs_;  // stable addresses: each thread writes its own job
  int64_t next_id_ = 1;
  std::atomic<bool> cancelled_{false};
};

}  // namespace lathe::server
