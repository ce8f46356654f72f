/// The OpenAPI 3.1 description of `drs serve`, served at `/openapi.json`.
enum OpenAPIDocument {
    static let text = #"""
    {
      "openapi": "3.1.0",
      "info": {
        "title": "OpenDRS service (drs serve)",
        "version": "1",
        "description": "The jobs of drs plan, check, failover, evacuate and validate over HTTP. A snapshot and a plan are the JSON documents of the OpenDRS contract (drs schema snapshot, drs schema plan). Plan options are query parameters named like the command line's options. A plan answer is the bytes drs prints for the same input and options.",
        "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"}
      },
      "paths": {
        "/v1/plan": {
          "post": {
            "operationId": "plan",
            "summary": "A migration plan for a snapshot (drs plan SNAPSHOT).",
            "parameters": [
              {"$ref": "#/components/parameters/solver"}, {"$ref": "#/components/parameters/timeLimit"},
              {"$ref": "#/components/parameters/seed"}, {"$ref": "#/components/parameters/threads"},
              {"$ref": "#/components/parameters/format"}
            ],
            "requestBody": {"$ref": "#/components/requestBodies/Snapshot"},
            "responses": {
              "200": {"$ref": "#/components/responses/Plan"}, "400": {"$ref": "#/components/responses/Invalid"},
              "413": {"$ref": "#/components/responses/TooLarge"}, "422": {"$ref": "#/components/responses/Unsolved"},
              "503": {"$ref": "#/components/responses/TimedOut"}
            }
          }
        },
        "/v1/failover": {
          "post": {
            "operationId": "failover",
            "summary": "The HA response to host failures, isolated hosts and guest failures (drs failover SNAPSHOT --fail HOST... --isolate HOST... --vm ID... | --all).",
            "parameters": [
              {"name": "fail", "in": "query", "description": "A host that fails; repeat for several.", "schema": {"type": "string"}},
              {"name": "isolate", "in": "query", "description": "A host that loses its management network (state isolated); repeat for several.", "schema": {"type": "string"}},
              {"name": "isolation-response", "in": "query", "description": "With isolate: sets cluster.ha.isolationResponse.", "schema": {"type": "string", "enum": ["leaveOn", "powerOff", "shutdown"]}},
              {"name": "vm", "in": "query", "description": "A VM whose guest fails (restarted on its own host); repeat for several.", "schema": {"type": "string"}},
              {"name": "all", "in": "query", "description": "Every single-host failure within one time limit (the sweep report as JSON); excludes fail, isolate and vm.", "schema": {"type": "boolean"}},
              {"$ref": "#/components/parameters/solver"}, {"$ref": "#/components/parameters/timeLimit"},
              {"$ref": "#/components/parameters/seed"}, {"$ref": "#/components/parameters/threads"},
              {"$ref": "#/components/parameters/format"}
            ],
            "requestBody": {"$ref": "#/components/requestBodies/Snapshot"},
            "responses": {
              "200": {"$ref": "#/components/responses/Plan"}, "400": {"$ref": "#/components/responses/Invalid"},
              "413": {"$ref": "#/components/responses/TooLarge"}, "422": {"$ref": "#/components/responses/Unsolved"},
              "503": {"$ref": "#/components/responses/TimedOut"}
            }
          }
        },
        "/v1/evacuate": {
          "post": {
            "operationId": "evacuate",
            "summary": "The plan that puts hosts into maintenance mode, or the refusal (drs evacuate SNAPSHOT --host HOST...).",
            "parameters": [
              {"name": "host", "in": "query", "required": true, "description": "A host to empty; repeat for several.", "schema": {"type": "string"}},
              {"$ref": "#/components/parameters/solver"}, {"$ref": "#/components/parameters/timeLimit"},
              {"$ref": "#/components/parameters/seed"}, {"$ref": "#/components/parameters/threads"},
              {"$ref": "#/components/parameters/format"}
            ],
            "requestBody": {"$ref": "#/components/requestBodies/Snapshot"},
            "responses": {
              "200": {"$ref": "#/components/responses/Plan"}, "400": {"$ref": "#/components/responses/Invalid"},
              "413": {"$ref": "#/components/responses/TooLarge"}, "422": {"$ref": "#/components/responses/Unsolved"},
              "503": {"$ref": "#/components/responses/TimedOut"}
            }
          }
        },
        "/v1/check": {
          "post": {
            "operationId": "check",
            "summary": "Replays a plan against a snapshot, whole and as its applied subset, independently of the solver (drs check SNAPSHOT PLAN).",
            "requestBody": {
              "required": true,
              "content": {"application/json": {"schema": {
                "type": "object", "required": ["snapshot", "plan"], "additionalProperties": false,
                "properties": {"snapshot": {"$ref": "#/components/schemas/Snapshot"}, "plan": {"$ref": "#/components/schemas/Plan"}}
              }}}
            },
            "responses": {
              "200": {"description": "Every hard constraint holds at every wave, for the whole plan and its applied subset.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CheckReport"}}}},
              "400": {"$ref": "#/components/responses/Invalid"}, "413": {"$ref": "#/components/responses/TooLarge"},
              "422": {"description": "The plan or its applied subset breaks a hard constraint.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CheckReport"}}}},
              "503": {"$ref": "#/components/responses/Busy"}
            }
          }
        },
        "/v1/validate": {
          "post": {
            "operationId": "validate",
            "summary": "Checks a snapshot only (drs validate SNAPSHOT).",
            "requestBody": {"$ref": "#/components/requestBodies/Snapshot"},
            "responses": {
              "200": {"description": "The snapshot is valid.", "content": {"application/json": {"schema": {
                "type": "object",
                "properties": {"valid": {"const": true}, "hosts": {"type": "integer"}, "vms": {"type": "integer"}, "poweredOn": {"type": "integer"}, "rules": {"type": "integer"}}
              }}}},
              "400": {"$ref": "#/components/responses/Invalid"}, "413": {"$ref": "#/components/responses/TooLarge"},
              "503": {"$ref": "#/components/responses/Busy"}
            }
          }
        },
        "/openapi.json": {
          "get": {"operationId": "openapi", "summary": "This document.", "responses": {"200": {"description": "The OpenAPI document.", "content": {"application/json": {"schema": {"type": "object"}}}}}}
        },
        "/healthz": {
          "get": {"operationId": "healthz", "summary": "Liveness.", "responses": {"200": {"description": "The service answers.", "content": {"application/json": {"schema": {"type": "object", "properties": {"status": {"const": "ok"}}}}}}}}
        },
        "/metrics": {
          "get": {"operationId": "metrics", "summary": "Prometheus metrics: drs_http_requests_total{route,status}, drs_solve_seconds (histogram by route), drs_plans_total{route,status}, drs_solves_running, drs_solves_queued.", "responses": {"200": {"description": "The Prometheus text format, version 0.0.4.", "content": {"text/plain": {"schema": {"type": "string"}}}}}}
        }
      },
      "components": {
        "parameters": {
          "solver": {"name": "solver", "in": "query", "description": "auto (the default), exact, or a heuristic, as drs plan --solver.", "schema": {"type": "string", "enum": ["auto", "exact", "exact-glpk", "exact-assignment", "greedy", "ffd-l2", "ffd-sum", "ffd-max", "dot-product", "least-loaded", "bin-centric", "local-search", "portfolio"]}},
          "timeLimit": {"name": "time-limit", "in": "query", "description": "Seconds for the solver, as --time-limit: above 0 and at most the service's --max-seconds; 10 (or --max-seconds when lower) when absent.", "schema": {"type": "number", "exclusiveMinimum": 0}},
          "seed": {"name": "seed", "in": "query", "description": "Seed for randomised solvers, as --seed (1 when absent).", "schema": {"type": "integer", "minimum": 0}},
          "threads": {"name": "threads", "in": "query", "description": "Threads, as --threads: from 1 to the service's solve slots (1 when absent).", "schema": {"type": "integer", "minimum": 1}},
          "format": {"name": "format", "in": "query", "description": "json (the plan, the default) or summary (counts and scores), as --format.", "schema": {"type": "string", "enum": ["json", "summary"]}}
        },
        "requestBodies": {
          "Snapshot": {"required": true, "description": "A cluster snapshot, exactly as a drs SNAPSHOT file.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Snapshot"}}}}
        },
        "responses": {
          "Plan": {"description": "A plan that passed the checker, whole and as its applied subset.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Plan"}}}},
          "Unsolved": {"description": "No plan: status infeasible (proven, or an evacuation refused), or unknown with an attempt the clock did not cut. The body is the answer drs plan prints before exit 3; the header drs-message holds its message.", "headers": {"drs-message": {"schema": {"type": "string"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Plan"}}}},
          "TimedOut": {"description": "The time limit ended every attempt with no plan (status unknown, termination feasibleTimeLimit), or a failover sweep ran out of time before every host was tried; the body is the answer so far. Or, with an Error body (error busy) and Retry-After, every solve slot stayed busy for the service's --max-queue-seconds and nothing was solved.", "headers": {"drs-message": {"schema": {"type": "string"}}}, "content": {"application/json": {"schema": {"type": "object"}}}},
          "Busy": {"description": "Every solve slot stayed busy for the service's --max-queue-seconds; nothing was solved.", "headers": {"Retry-After": {"schema": {"type": "integer"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "Invalid": {"description": "Bad input: every problem with its JSON path in the body (as drs validate names them) or the query parameter; nothing was solved.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "TooLarge": {"description": "The body is larger than the service's --max-body-bytes.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        },
        "schemas": {
          "Snapshot": {"type": "object", "description": "The snapshot of the OpenDRS contract, section 1; its JSON Schema is printed by drs schema snapshot."},
          "Plan": {"type": "object", "description": "The plan of the OpenDRS contract, section 3 (or with format=summary its summary); its JSON Schema is printed by drs schema plan."},
          "Error": {
            "type": "object", "required": ["error", "message"],
            "properties": {
              "error": {"type": "string"}, "message": {"type": "string"},
              "issues": {"type": "array", "items": {"type": "object", "properties": {
                "path": {"type": "string", "description": "Where in the body, such as vms[3].demand.cpu (snapshot.vms[3].demand.cpu in /v1/check)."},
                "parameter": {"type": "string", "description": "The query parameter."},
                "message": {"type": "string"}
              }}},
              "omitted": {"type": "integer", "description": "Problems found beyond those listed."}
            }
          },
          "CheckReport": {
            "type": "object",
            "properties": {
              "passed": {"type": "boolean"},
              "whole": {"$ref": "#/components/schemas/CheckPart"},
              "applied": {"$ref": "#/components/schemas/CheckPart"}
            }
          },
          "CheckPart": {
            "type": "object",
            "properties": {
              "ok": {"type": "boolean"}, "steps": {"type": "integer"}, "waves": {"type": "integer"},
              "violations": {"type": "array", "items": {"type": "object", "properties": {"wave": {"type": ["integer", "null"]}, "message": {"type": "string"}}}},
              "omitted": {"type": "integer"}
            }
          }
        }
      }
    }
    """#
}
