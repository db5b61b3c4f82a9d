import { App } from "aws-cdk-lib";
import { CitadelStack } from "./citadel-stack.js";

const app = new App();
new CitadelStack(app, "Citadel", {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
