/** The Kubernetes auth method. */
export { createKubernetesBackend, kubernetesBackendFactory } from './backend.ts';
export type { KubernetesBackendOptions } from './backend.ts';
export { TOKEN_REVIEW_PATH, reviewToken } from './token-review.ts';
export type { TokenReviewInput, TokenReviewResult, TokenReviewer } from './token-review.ts';
