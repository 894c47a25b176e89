"""Thin wrappers over the AWS APIs ci-ecs uses; the only package that imports boto3."""
