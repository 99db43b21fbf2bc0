// node validate_argo_workflow.mjs WORKFLOW.json: validates an Argo Workflow against the
// argoproj.io/v1alpha1 schemas of @kubernetes-models/argo-workflows (offline). Exit 1 with the
// schema's errors when it is not valid.
import { readFileSync } from 'node:fs';
import { Workflow } from '@kubernetes-models/argo-workflows/argoproj.io/v1alpha1';

const doc = JSON.parse(readFileSync(process.argv[2], 'utf8'));
try {
  new Workflow(doc).validate();
  console.log(`valid: ${doc.kind} ${doc.metadata.generateName ?? doc.metadata.name}`);
} catch (e) {
  console.error(`invalid Argo Workflow: ${e.message}`);
  process.exit(1);
}
