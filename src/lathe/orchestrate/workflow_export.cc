#include "lathe/orchestrate/workflow_export.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

#include "lathe/core/json_depth.h"

namespace lathe::orchestrate {

namespace {

// "train_model" -> "train-model": Argo task and template names are DNS labels.
std::string DnsName(const std::string& name) {
  std::string out;
  for (char c : name) {
    unsigned char u = static_cast<unsigned char>(c);
    out += std::isalnum(u) ? static_cast<char>(std::tolower(u)) : '-';
  }
  while (!out.empty() && out.front() == '-') out.erase(out.begin());
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.empty() || !std::isalpha(static_cast<unsigned char>(out.front()))) out = "n-" + out;
  return out.substr(0, 63);
}

// Every string double-quoted, so that "1", "true" or "null" stay strings.
void EmitYaml(YAML::Emitter& out, const nlohmann::json& j) {
  if (j.is_object()) {
    out << YAML::BeginMap;
    for (const auto& [k, v] : j.items()) {
      out << YAML::Key << k << YAML::Value;
      EmitYaml(out, v);
    }
    out << YAML::EndMap;
  } else if (j.is_array()) {
    out << YAML::BeginSeq;
    for (const auto& v : j) EmitYaml(out, v);
    out << YAML::EndSeq;
  } else if (j.is_string()) {
    out << YAML::DoubleQuoted << j.get<std::string>();
  } else if (j.is_boolean()) {
    out << j.get<bool>();
  } else if (j.is_number_integer()) {
    out << j.get<int64_t>();
  } else if (j.is_number()) {
    out << j.get<double>();
  } else {
    out << YAML::Null;
  }
}

// The arguments of `lathe` for one node (without the command itself).
std::vector<std::string> NodeArgs(const WorkflowExportOptions& o, const std::string& node,
                                  const std::string& run_id, const std::string& engine) {
  std::vector<std::string> args = o.lathe_global_args;
  args.insert(args.end(), {"run", o.spec_path, "--only", node, "--run-id", run_id,
                           "--recorded-runner", engine});
  for (const auto& [k, v] : o.parameters) args.insert(args.end(), {"--param", k + "=" + v});
  return args;
}

std::vector<std::string> FinishArgs(const WorkflowExportOptions& o, const std::string& run_id) {
  std::vector<std::string> args = o.lathe_global_args;
  args.insert(args.end(), {"runs", "finish", run_id});
  return args;
}

// A Python string literal (JSON's escapes are Python's; non-ASCII kept as \u escapes).
std::string PyString(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

// One word for bash, single-quoted; Airflow's templates ({{ run_id }}) are left to render.
std::string BashWord(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

Result<std::string> ExportArgoWorkflow(const pipeline::PipelineGraph& g,
                                       const WorkflowExportOptions& o) {
  std::vector<std::string> task(g.nodes.size());
  std::set<std::string> taken = {"lathe-node", "lathe-finish", "pipeline"};
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    task[i] = DnsName(g.nodes[i].spec.name);
    if (!taken.insert(task[i]).second)
      return InvalidArgumentError(fmt::format(
          "node '{}' becomes Argo task '{}', which another node or Lathe's templates already "
          "use; rename one",
          g.nodes[i].spec.name, task[i]));
  }
  nlohmann::json tasks = nlohmann::json::array();
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    nlohmann::json t = {
        {"name", task[i]},
        {"template", "lathe-node"},
        {"arguments",
         {{"parameters",
           nlohmann::json::array({{{"name", "node"}, {"value", g.nodes[i].spec.name}}})}}}};
    nlohmann::json deps = nlohmann::json::array();
    for (size_t u : g.nodes[i].upstream) deps.push_back(task[u]);
    if (!deps.empty()) t["dependencies"] = deps;
    tasks.push_back(t);
  }
  nlohmann::json container_base = {{"name", "main"}, {"image", o.image}, {"command", {o.lathe}}};
  nlohmann::json volumes = nlohmann::json::array();
  if (!o.volume_claim.empty()) {
    volumes.push_back(
        {{"name", "lathe-shared"}, {"persistentVolumeClaim", {{"claimName", o.volume_claim}}}});
    container_base["volumeMounts"] =
        nlohmann::json::array({{{"name", "lathe-shared"},
                                {"mountPath", o.mount_path.empty() ? "/lathe" : o.mount_path}}});
  }
  nlohmann::json node_container = container_base;
  node_container["args"] = NodeArgs(o, "{{inputs.parameters.node}}", "{{workflow.name}}", "argo");
  nlohmann::json finish_container = container_base;
  finish_container["args"] = FinishArgs(o, "{{workflow.name}}");
  nlohmann::json wf = {
      {"apiVersion", "argoproj.io/v1alpha1"},
      {"kind", "Workflow"},
      {"metadata",
       {{"generateName", DnsName("lathe-" + g.name) + "-"},
        {"labels", {{"lathe.dev/pipeline", DnsName(g.name)}}},
        {"annotations", {{"lathe.dev/pipeline-name", g.name}, {"lathe.dev/spec", o.spec_path}}}}},
      {"spec",
       {{"entrypoint", "pipeline"},
        {"onExit", "lathe-finish"},
        {"templates",
         nlohmann::json::array(
             {{{"name", "pipeline"}, {"dag", {{"tasks", tasks}}}},
              {{"name", "lathe-node"},
               {"inputs", {{"parameters", nlohmann::json::array({{{"name", "node"}}})}}},
               {"container", node_container}},
              {{"name", "lathe-finish"}, {"container", finish_container}}})}}}};
  if (!volumes.empty()) wf["spec"]["volumes"] = volumes;
  YAML::Emitter out;
  out << YAML::Comment(
             fmt::format("Pipeline {} as an Argo Workflow, written by lathe export argo", g.name))
      << YAML::Newline;
  EmitYaml(out, wf);
  if (!out.good()) return InternalError(fmt::format("writing YAML: {}", out.GetLastError()));
  return std::string(out.c_str()) + "\n";
}

Result<std::string> ExportAirflowDag(const pipeline::PipelineGraph& g,
                                     const WorkflowExportOptions& o) {
  for (const auto& n : g.nodes)
    if (n.spec.name == "lathe_finish")
      return InvalidArgumentError(
          "node 'lathe_finish' has the name of the task that finishes the run; rename it");
  auto command = [&](const std::vector<std::string>& args) {
    std::string cmd = BashWord(o.lathe);
    for (const auto& a : args) cmd += " " + BashWord(a);
    return cmd;
  };
  std::string py = fmt::format(
      "# Pipeline {0} as an Airflow DAG, written by lathe export airflow.\n"
      "# Each task runs one node against the shared store; the last one records the run's end.\n"
      "from datetime import datetime\n\n"
      "from airflow import DAG\n"
      "from airflow.operators.bash import BashOperator\n\n"
      "with DAG(\n"
      "    dag_id={1},\n"
      "    schedule=None,\n"
      "    start_date=datetime(2024, 1, 1),\n"
      "    catchup=False,\n"
      "    tags=[\"lathe\"],\n"
      ") as dag:\n",
      g.name, PyString("lathe_" + g.name));
  // Task ids: node names are letters, digits, '_' and '-', which Airflow accepts as they are.
  std::vector<std::string> var(g.nodes.size());
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    var[i] = fmt::format("node_{}", i);
    py += fmt::format(
        "    {} = BashOperator(task_id={}, bash_command={})\n", var[i],
        PyString(g.nodes[i].spec.name),
        PyString(command(NodeArgs(o, g.nodes[i].spec.name, "{{ run_id }}", "airflow"))));
  }
  py += fmt::format(
      "    finish = BashOperator(task_id=\"lathe_finish\", bash_command={}, "
      "trigger_rule=\"all_done\")\n",
      PyString(command(FinishArgs(o, "{{ run_id }}"))));
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (size_t u : g.nodes[i].upstream) py += fmt::format("    {} >> {}\n", var[u], var[i]);
  py += "    [";
  for (size_t i = 0; i < g.nodes.size(); ++i) py += (i ? ", " : "") + var[i];
  py += "] >> finish\n";
  return py;
}

}  // namespace lathe::orchestrate
