import { and, asc, eq } from "drizzle-orm";
import type { Db } from "../client";
import { assertId, BadInputError, ConflictError, NotFoundError } from "../errors";
import { projects } from "../schema";

export type Project = typeof projects.$inferSelect;

export const defaultProjectName = "Default";

/** The project runs land in when none is named; created on first use. */
export async function ensureDefaultProject(db: Db, ownerId: string): Promise<Project> {
  await db.insert(projects).values({ ownerId, name: defaultProjectName }).onConflictDoNothing();
  const [project] = await db
    .select()
    .from(projects)
    .where(and(eq(projects.ownerId, ownerId), eq(projects.name, defaultProjectName)));
  if (!project) throw new Error(`The default project of user ${ownerId} vanished right after it was created`);
  return project;
}

/** The user's projects, oldest first (the default project is created if missing). */
export async function listProjects(db: Db, ownerId: string): Promise<Project[]> {
  await ensureDefaultProject(db, ownerId);
  return db
    .select()
    .from(projects)
    .where(eq(projects.ownerId, ownerId))
    .orderBy(asc(projects.createdAt), asc(projects.id));
}

export async function createProject(
  db: Db,
  ownerId: string,
  input: { name: string; description?: string },
): Promise<Project> {
  const name = input.name.trim();
  if (name === "") throw new BadInputError("A project needs a name");
  const [project] = await db
    .insert(projects)
    .values({ ownerId, name, description: input.description ?? "" })
    .onConflictDoNothing()
    .returning();
  if (!project) throw new ConflictError(`You already have a project named "${name}": pick another name`);
  return project;
}

/** The project if it is the user's, else NotFoundError. */
export async function getProject(db: Db, ownerId: string, projectId: string): Promise<Project> {
  assertId(projectId, "Project");
  const [project] = await db
    .select()
    .from(projects)
    .where(and(eq(projects.id, projectId), eq(projects.ownerId, ownerId)));
  if (!project) throw new NotFoundError(`Project ${projectId} not found`);
  return project;
}
