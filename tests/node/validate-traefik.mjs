// Validate Traefik CRD objects (JSON array in the file named by argv[2]) against the
// schemas of npm @kubernetes-models/traefik (generated from Traefik v3's CRD types):
// types, enums and required fields. Prints one line per invalid object; exit 1 if any.
import { readFileSync } from "node:fs";
import * as models from "@kubernetes-models/traefik/traefik.io/v1alpha1";

const objects = JSON.parse(readFileSync(process.argv[2], "utf8"));
let failed = 0;
for (const object of objects) {
  const Model = models[object.kind];
  const where = `${object.kind}/${object.metadata?.name}`;
  if (object.apiVersion !== "traefik.io/v1alpha1" || typeof Model !== "function") {
    console.log(`${where}: not a Traefik v1alpha1 kind`);
    failed++;
    continue;
  }
  try {
    new Model(object).validate();
  } catch (error) {
    console.log(`${where}: ${error.message}`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
