// @convex-dev/platform against the platform API and a deployment: token details, projects and deployments
// of the token's team, and environment variables through the deployment API. One JSON report on stdout.
// Usage: CONVEX_PROVISION_HOST=<platform url> node platform_package.mjs <token> <deployment url>
import { createDeploymentClient, createManagementClient } from "@convex-dev/platform";

const [token, deploymentUrl] = process.argv.slice(2);
const report = {};

function data({ data, error, response }, what) {
  if (error !== undefined || !response.ok) {
    throw new Error(`${what}: HTTP ${response.status} ${JSON.stringify(error)}`);
  }
  return data;
}

const management = createManagementClient(token);
report.tokenDetails = data(await management.GET("/token_details"), "token_details");
const teamId = report.tokenDetails.teamId;
report.projects = data(
  await management.GET("/teams/{team_id}/list_projects", { params: { path: { team_id: teamId } } }),
  "list_projects",
);
const projects = Array.isArray(report.projects) ? report.projects : report.projects.items;
report.deployments = data(
  await management.GET("/projects/{project_id}/list_deployments", { params: { path: { project_id: projects[0].id } } }),
  "list_deployments",
);

const deployment = createDeploymentClient(deploymentUrl, token);
data(
  await deployment.POST("/update_environment_variables", {
    body: { changes: [{ name: "FROM_PLATFORM_PACKAGE", value: "set by @convex-dev/platform" }] },
  }),
  "update_environment_variables",
);
report.environment = data(await deployment.GET("/list_environment_variables"), "list_environment_variables");
data(
  await deployment.POST("/update_environment_variables", { body: { changes: [{ name: "FROM_PLATFORM_PACKAGE" }] } }),
  "update_environment_variables (remove)",
);
report.environmentAfter = data(await deployment.GET("/list_environment_variables"), "list_environment_variables");
report.deploymentInfo = data(await deployment.GET("/deployment_info"), "deployment_info");
console.log(JSON.stringify(report));
