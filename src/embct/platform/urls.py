from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from embct.platform.core import views as core_views
from embct.platform.core.forms import LoginForm

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("embct.platform.accounts.urls")),
    path("", include("embct.platform.security.urls")),
    path("", include("embct.platform.care.urls")),
    path("", include("embct.platform.groups.urls")),
    path("", include("embct.platform.audit.urls")),
    path("", include("embct.platform.privacy.urls")),
    path("", include("embct.platform.questionnaires.urls")),
    path("", include("embct.platform.research.urls")),
    path("admin/", admin.site.urls),
]

# A database outage outside a view (e.g. saving the session) also gets the 503 draft page.
handler500 = "embct.platform.core.dberrors.server_error"
