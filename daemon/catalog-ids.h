/* SPDX-License-Identifier: MIT */
/*
 * The MESSAGE_IDs of every journal entry the daemon writes, one per kind. Each has an entry in
 * systemd/container-watchd.catalog; keep the two in step (tests/unit/test-catalog.sh checks).
 */
#pragma once

/* Container events (CONTAINER_EVENT=...) */
#define MESSAGE_ID_CONTAINER_STARTED "df087cd4e4db436594ec6170266ad61b"
#define MESSAGE_ID_CONTAINER_EXITED  "a6a91a99a6924f05899314e8dd503bf6"
#define MESSAGE_ID_CONTAINER_OOM     "5f8b3dd024ea4e9e85e5434a209762d5"
#define MESSAGE_ID_CONTAINER_CRASHLOOP "cdd35c3dd8a34f1d926d2ffa5c5411f8"

/* The daemon's own diagnostics (no CONTAINER_EVENT) */
#define MESSAGE_ID_DAEMON_READY      "467b5d304bd547ba96593a5a6fa05ba5"  /* start-up scan done, watching */
#define MESSAGE_ID_ROOT_CHANGED      "e5136080ff374aa4a8b99e12a841dd12"  /* a state root appeared / vanished */
#define MESSAGE_ID_RESCAN            "05eb2c0c99a44ac6be91ebb0eacb4dc4"  /* inotify overflow → rescan */
#define MESSAGE_ID_RELOAD            "8c6195b35ed14866af1c493d100da8f2"  /* configuration reloaded / rejected */
#define MESSAGE_ID_EVENTS_LOST       "d1fbc4b94f6d4bd795bd560c0fc69fd8"  /* a gap: events could not be delivered */
#define MESSAGE_ID_STATE_REFUSED     "848636fb785b488cba8bffd06d97b6d7"  /* a state file was refused */
#define MESSAGE_ID_RESOURCE_LIMIT    "603a42a5a24543b6a2cae038a9873da9"  /* out of fds / watches */
#define MESSAGE_ID_PROBE_UNAVAILABLE "35aa693eb2964f0bb8bc48ac12e5142b"  /* the kernel probe is not loaded */
#define MESSAGE_ID_METRICS_WRITE     "391e79f7ce9e427486cacb7c64751d38"  /* metrics textfile not writable / again */
