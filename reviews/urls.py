from django.urls import path

from reviews import views

urlpatterns = [path("review/board/", views.board, name="review_board")]
