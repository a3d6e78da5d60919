"""`grade collect`: a class's JSON and JUnit reports (as downloaded from GitLab job artifacts) into
one gradebook row per student.

Two layers: `read` finds report files (folders, zip archives) and reduces each to typed records
(student, lab, time, per-check points), skipping with a reason what cannot be used; `gradebook`
merges the records into rows and writes the CSV. Only the standard library is used, so
collecting a thousand reports takes well under a second of work.
"""
