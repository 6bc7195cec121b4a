import type { components } from "./schema";

type S = components["schemas"];
export type Story = S["StoryOut"];
export type Task = S["TaskOut"];
export type Project = S["ProjectOut"];
export type User = S["UserOut"];
export type TimelineEvent = S["EventOut"];
export type Comment = S["CommentOut"];
export type Subscription = S["SubscriptionOut"];
export type StoryIn = S["StoryIn"];
export type TaskIn = S["TaskIn"];
export type TaskUpdate = S["TaskUpdate"];
export type StoryUpdate = S["StoryUpdate"];
export type Branch = S["BranchOut"];
export type Milestone = S["MilestoneOut"];
export type ProjectGroup = S["ProjectGroupOut"];
export type Team = S["TeamOut"];
export type Attachment = S["AttachmentOut"];
