"""ECS-native BLUE_GREEN, LINEAR and CANARY service deployments, as ECS runs them (moto has none of it).

`model` holds the records, `plan` the stages a deployment walks through, `engine` steps them, `hooks`,
`monitors` and `rollback` decide when they stop, `keeper` starts and stops the tasks of each service
revision, `routing` moves the listener-rule weights, `api` answers the service-deployment actions.
"""
