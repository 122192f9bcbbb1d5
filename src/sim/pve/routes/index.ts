import { accessRoutes } from "./access.js";
import { agentRoutes } from "./agent.js";
import { aptRoutes } from "./apt.js";
import { clusterRoutes } from "./cluster.js";
import { powerRoutes } from "./power.js";
import { qemuConfigRoutes } from "./qemu-config.js";
import { qemuCreateRoutes } from "./qemu-create.js";
import { qemuLifecycleRoutes } from "./qemu-lifecycle.js";
import { snapshotRoutes } from "./snapshots.js";
import { storageRoutes } from "./storage.js";
import { taskRoutes } from "./tasks.js";
import type { RouteDefinition } from "./types.js";

/** Every route the simulator serves; each must exist in the official schema of the active version. */
export const ALL_ROUTES: readonly RouteDefinition[] = [
  ...clusterRoutes,
  ...accessRoutes,
  ...storageRoutes,
  ...qemuCreateRoutes,
  ...qemuConfigRoutes,
  ...qemuLifecycleRoutes,
  ...snapshotRoutes,
  ...powerRoutes,
  ...agentRoutes,
  ...taskRoutes,
  ...aptRoutes,
];
