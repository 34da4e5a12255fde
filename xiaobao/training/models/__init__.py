"""Training and exams (培训考试) and the knowledge contest (知识竞赛).

The roster (`StaffMember`) is every employee, signed-in user or not: coverage is counted over it.
Courses belong to audience groups; sessions train people in courses (attendance counts person-times);
exams test them from a versioned question bank; the contest ranks people and teams on exam rounds.
"""

from xiaobao.training.models.contest import Award, Contest, ContestRound, ContestTeam, TeamScore
from xiaobao.training.models.exams import Attempt, AttemptAnswer, Exam, ExamItem, ExamRule, Question, QuestionVersion
from xiaobao.training.models.roster import (
    Attendance,
    AudienceGroup,
    Course,
    CourseAudience,
    CourseMaterial,
    Programme,
    SalesChannel,
    Session,
    StaffMember,
    TargetedTrainingRule,
    TrainingAssignment,
)

__all__ = [
    "Attempt",
    "AttemptAnswer",
    "Attendance",
    "AudienceGroup",
    "Award",
    "Contest",
    "ContestRound",
    "ContestTeam",
    "Course",
    "CourseAudience",
    "CourseMaterial",
    "Exam",
    "ExamItem",
    "ExamRule",
    "Programme",
    "Question",
    "QuestionVersion",
    "SalesChannel",
    "Session",
    "StaffMember",
    "TargetedTrainingRule",
    "TeamScore",
    "TrainingAssignment",
]
