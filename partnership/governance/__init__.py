"""Governance: each cycle's turn of the Continuous Alignment Model (assess, adapt,
communicate, learn), with issues, actions, lessons, the playbook and the playback."""
